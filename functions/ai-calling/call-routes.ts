/**
 * AI Calling's call workflow routes: placing outbound calls, Exotel's StatusCallback and Passthru
 * webhooks (authenticated by the secrets in their URLs, since Exotel signs nothing), and the
 * sessions the voice runtime reads and appends turns to.
 */
import * as z from "zod";
import { turnInput } from "#core/ai-calling/conversations.ts";
import { passthruQuery, statusCallbackBody } from "#core/ai-calling/exotel-callbacks.ts";
import { callLogs } from "#core/ai-calling/call-logs.ts";
import { outboundCallInput } from "#core/ai-calling/outbound-calls.ts";
import { sessions } from "#core/ai-calling/sessions.ts";
import { resourceRoutes } from "#core/http/resource-routes.ts";
import { defineRoute } from "#core/http/route.ts";

const tag = "ai-calling";
const bySessionId = { params: z.strictObject({ sessionId: z.string().min(1).max(100) }) };

export const placeCall = defineRoute({
  method: "POST",
  path: "/ai-calling/calls",
  handler: "functions/ai-calling/calls/create.handler",
  summary: "Call a number from one of your phones: its agent talks; a credit is held until the call is settled",
  tag,
  auth: { kind: "user" },
  // The document's key, ratelimit:calls:outbound:{userId}, for 15 minutes; calls cost money, so
  // without Redis they are refused rather than let through unlimited.
  rateLimit: { endpoint: "calls:outbound", limit: 20, windowSeconds: 900, by: "caller", whenRedisDown: "closed" },
  idempotent: true,
  request: { body: outboundCallInput },
  response: { status: 201, description: "The call log of the call placed (status initiated)", schema: callLogs.output },
});

export const exotelStatusCallback = defineRoute({
  method: "POST",
  path: "/ai-calling/webhooks/exotel/status",
  handler: "functions/ai-calling/webhooks/exotel-status.handler",
  summary: "Exotel StatusCallback of one outbound call (URL secret per call; JSON or form)",
  tag,
  auth: { kind: "public" },
  request: {
    query: z.looseObject({ sessionId: z.string().optional(), token: z.string().optional() }),
    body: statusCallbackBody,
    bodyFormats: ["json", "form"],
  },
  response: { status: 200, description: "Received", schema: z.object({ received: z.literal(true), status: z.string(), advanced: z.boolean() }) },
});

export const exotelPassthru = defineRoute({
  method: "GET",
  path: "/ai-calling/webhooks/exotel/passthru",
  handler: "functions/ai-calling/webhooks/exotel-passthru.handler",
  summary: "Exotel Passthru for an account's numbers: 200 (branch A) takes the call to its agent, 302 (branch B) declines",
  tag,
  auth: { kind: "public" },
  request: { query: passthruQuery.extend({ account: z.string().optional(), token: z.string().optional() }) },
  response: { status: 200, description: "Connect: the call goes on to the agent (302 declines)" },
});

export const { list: listSessions } = resourceRoutes({
  definition: sessions, resource: "sessions", noun: "call session", auth: { kind: "user" },
  operations: { list: {} },
});

export const getSession = defineRoute({
  method: "GET",
  path: "/ai-calling/sessions/{sessionId}",
  handler: "functions/ai-calling/sessions/get.handler",
  summary: "Read a session by its sessionId, from its Redis copy when there is one (x-session-source says which)",
  tag,
  auth: { kind: "user" },
  request: bySessionId,
  response: { status: 200, description: "The session", schema: sessions.output },
});

export const appendSessionMessage = defineRoute({
  method: "POST",
  path: "/ai-calling/sessions/{sessionId}/messages",
  handler: "functions/ai-calling/sessions/append-message.handler",
  summary: "Append a conversation turn to an active session (the voice runtime, as the session's owner)",
  tag,
  // A live call's turns must not be lost to a Redis outage: a signed, unexpired token suffices.
  auth: { kind: "user", whenRedisDown: "open" },
  request: { ...bySessionId, body: turnInput },
  response: { status: 201, description: "The session with the turn appended", schema: sessions.output },
});

export const callRoutes = [placeCall, exotelStatusCallback, exotelPassthru, listSessions, getSession, appendSessionMessage];
