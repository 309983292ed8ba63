/**
 * AI Calling `sessions` (spec 004, "Sessions Collection"): the live state of one call, also
 * cached in Redis as `session:{sessionId}` for an hour. It keeps a snapshot of the agent config
 * the call started with and the conversation so far. Ended sessions are removed by the partial TTL
 * index 24 hours after their last update.
 */
import * as z from "zod";
import { defineCollection } from "../db/collection.ts";
import { partialAgentConfig } from "./agents.ts";

export const SESSION_STATUSES = ["active", "ended"] as const;
export const MESSAGE_ROLES = ["user", "assistant", "system"] as const;
export const ENDED_SESSION_TTL_SECONDS = 86_400;

export const sessions = defineCollection({
  system: "ai-calling",
  name: "sessions",
  fields: (t) => ({
    _id: t.objectId(),
    sessionId: z.string().min(1),
    userId: t.objectId(),
    agentId: t.objectId(),
    callLogId: t.objectId(),
    userPhone: z.string().min(1),
    agentPhone: z.string().min(1),
    agentConfig: partialAgentConfig,
    conversationHistory: z.array(z.object({ role: z.enum(MESSAGE_ROLES), content: z.string(), timestamp: t.date() })).default([]),
    status: z.enum(SESSION_STATUSES),
    metadata: z.record(z.string(), z.unknown()).optional(),
    exotelCallSid: z.string().min(1).optional(),
    startedAt: t.date(),
    lastActivityAt: t.date(),
    createdAt: t.date(),
    updatedAt: t.date(),
  }),
  owner: { field: "userId" },
  indexes: [
    { key: { sessionId: 1 }, unique: true },
    { key: { userId: 1, status: 1 } },
    { key: { status: 1, lastActivityAt: -1 } },
    { key: { exotelCallSid: 1 } },
    { key: { updatedAt: 1 }, expireAfterSeconds: ENDED_SESSION_TTL_SECONDS, partialFilterExpression: { status: "ended" } },
  ],
  list: { filters: ["status"], defaultSort: "-_id" },
});

export type Session = z.output<typeof sessions.stored>;
