/**
 * Routes of the AI Calling Platform (`/ai-calling`): its auth endpoints (API.md), from the shared
 * auth manifest; each user's agents, phones and call logs (owner-scoped: someone else's is a
 * 404); and the users, for admins. The agents list is cached per user under
 * `cache:api:agents:list:{userId}` (the document's example key) for 60 s; agent writes clear it.
 * The call workflow's routes (calls, Exotel webhooks, sessions) are in `call-routes.ts`.
 */
import * as z from "zod";
import { accounts } from "#core/ai-calling/accounts.ts";
import { agentListQuery } from "#core/ai-calling/agent-catalog.ts";
import { agentConfig, agents } from "#core/ai-calling/agents.ts";
import { callLogListQuery } from "#core/ai-calling/call-log-history.ts";
import { callLogs } from "#core/ai-calling/call-logs.ts";
import { phones } from "#core/ai-calling/phones.ts";
import { adminUserPatch, exotelConfigInput, exotelSetupOutput, userOutput } from "#core/ai-calling/user-admin.ts";
import { users } from "#core/ai-calling/users.ts";
import { authRoutes } from "#core/auth/auth-routes.ts";
import { resourceRoutes } from "#core/http/resource-routes.ts";
import { defineRoute } from "#core/http/route.ts";
import { callRoutes } from "./call-routes.ts";

export const { register, login, refresh, logout, me } = authRoutes(accounts);

// Any string: a malformed id names no document, so the repository answers 404 as for others'.
const byId = { params: z.strictObject({ id: z.string().min(1) }) };
const tag = "ai-calling";
const user = { kind: "user" } as const;

// Agents

export const { list: listAgents, create: createAgent, get: getAgent, update: updateAgent, remove: deleteAgent } = resourceRoutes({
  definition: agents, resource: "agents", noun: "agent", auth: user,
  operations: {
    list: {
      summary: "List your agents (cached 60 s). With ?q=, a full-text search over names: best matches first, one page of up to limit, nextCursor null (sort and cursor are refused with q)",
      query: agentListQuery,
      cache: { route: "agents:list", ttlSeconds: 60, covers: "agents:{caller}" },
    },
    create: { invalidates: ["agents:{caller}"] },
    get: { summary: "Read one of your agents" },
    update: { invalidates: ["agents:{caller}"] },
    remove: {
      summary: "Delete an agent; refused with 409 (details path agentId, naming the numbers) while phones are assigned to it: reassign or unassign them first",
      invalidates: ["agents:{caller}"],
    },
  },
});

// Phones

export const { list: listPhones, create: createPhone, get: getPhone, update: updatePhone, remove: deletePhone } = resourceRoutes({
  definition: phones, resource: "phones", noun: "phone", auth: user,
  operations: {
    list: { summary: "List your phone numbers" },
    create: { summary: "Add a phone number (unique across the platform: 409 on number); agentId must be one of your agents" },
    get: { summary: "Read one of your phones" },
    update: { summary: "Change a phone (JSON merge patch, validated as a whole; agentId null unassigns)" },
    remove: {},
  },
});

export const getPhoneAgentConfig = defineRoute({
  method: "GET",
  path: "/ai-calling/phones/{id}/agent-config",
  handler: "functions/ai-calling/phones/agent-config.handler",
  summary: "The config calls on this phone run with: its agent's config with the phone's agentConfigOverride deep-merged over it (404 when the phone has no agent)",
  tag,
  auth: { kind: "user" },
  request: byId,
  response: { status: 200, description: "The effective agent config", schema: agentConfig },
});

// Call logs (written by the call workflows, read here)

export const { list: listCallLogs, get: getCallLog } = resourceRoutes({
  definition: callLogs, resource: "call-logs", noun: "call log", auth: user,
  operations: {
    list: { summary: "List your calls: filter by status, direction, agentId, fromPhone, toPhone, and a createdAt range from/to (ISO dates, inclusive)", query: callLogListQuery },
    get: { summary: "Read one of your call logs (recordingUrl: a short-lived link to the recording)" },
  },
});

// Users (admins), and one's own Exotel setup

export const { list: listUsers, get: getUser, update: updateUser, remove: deleteUser } = resourceRoutes({
  definition: users, resource: "users", noun: "user", auth: { kind: "user", roles: ["admin"] }, output: userOutput,
  operations: {
    list: { summary: "List users (admins)" },
    get: { summary: "Read a user (admins)" },
    update: { summary: "Change a user's name, role, isActive or credits (admins)", body: adminUserPatch },
    remove: { summary: "Delete a user with their agents and phones; their call logs stay (admins)" },
  },
});

export const putExotelConfig = defineRoute({
  method: "PUT",
  path: "/ai-calling/users/me/exotel-config",
  handler: "functions/ai-calling/users/exotel-config.handler",
  summary: "Set your own Exotel credentials (stored encrypted, never shown again)",
  tag,
  auth: { kind: "user" },
  request: { body: exotelConfigInput },
  response: { status: 204, description: "Stored" },
});

export const getExotelSetup = defineRoute({
  method: "GET",
  path: "/ai-calling/users/me/exotel-config",
  handler: "functions/ai-calling/users/exotel-setup.handler",
  summary: "Your Exotel setup: whether credentials are set (never the key or token) and the Passthru URL to put in your Exotel flow",
  tag,
  auth: { kind: "user" },
  request: {},
  response: { status: 200, description: "Your Exotel setup", schema: exotelSetupOutput },
});

export const aiCallingRoutes = [
  register, login, refresh, logout, me,
  listAgents, createAgent, getAgent, updateAgent, deleteAgent,
  listPhones, createPhone, getPhone, updatePhone, deletePhone, getPhoneAgentConfig,
  listCallLogs, getCallLog,
  listUsers, getUser, updateUser, deleteUser, putExotelConfig, getExotelSetup,
  ...callRoutes,
];
