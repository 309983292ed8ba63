/**
 * Routes of the AI Calling Platform (`/ai-calling`): its auth endpoints (API.md), from the shared
 * auth manifest; each user's agents, phones and call logs (owner-scoped: someone else's is a
 * 404); and the users, for admins. The agents list is cached per user under
 * `cache:api:agents:list:{userId}` (the document's example key) for 60 s; agent writes clear it.
 * The call workflow's routes (calls, Exotel webhooks, sessions) are in `call-routes.ts`.
 */
import { z } from "zod";
import { accounts } from "#core/ai-calling/accounts.ts";
import { agentListQuery } from "#core/ai-calling/agent-catalog.ts";
import { agentConfig, agents } from "#core/ai-calling/agents.ts";
import { callLogListQuery } from "#core/ai-calling/call-log-history.ts";
import { callLogs } from "#core/ai-calling/call-logs.ts";
import { phones } from "#core/ai-calling/phones.ts";
import { adminUserPatch, exotelConfigInput, exotelSetupOutput, userOutput } from "#core/ai-calling/user-admin.ts";
import { users } from "#core/ai-calling/users.ts";
import { authRoutes } from "#core/auth/auth-routes.ts";
import { listQuerySchema } from "#core/db/list-query.ts";
import { defineRoute } from "#core/http/route.ts";
import { callRoutes } from "./call-routes.ts";

export const { register, login, refresh, logout, me } = authRoutes(accounts);

// Any string: a malformed id names no document, so the repository answers 404 as for others'.
const byId = { params: z.strictObject({ id: z.string().min(1) }) };
const pageOf = (item: z.ZodType) => z.object({ data: z.array(item), nextCursor: z.string().nullable() });
const tag = "ai-calling";

// Agents

export const listAgents = defineRoute({
  method: "GET",
  path: "/ai-calling/agents",
  handler: "functions/ai-calling/agents/list.handler",
  summary: "List your agents (cached 60 s). With ?q=, a full-text search over names: best matches first, one page of up to limit, nextCursor null (sort and cursor are refused with q)",
  tag,
  auth: { kind: "user" },
  cache: { route: "agents:list", ttlSeconds: 60, covers: "agents" },
  request: { query: agentListQuery },
  response: { status: 200, description: "A page of agents", schema: pageOf(agents.output) },
});

export const createAgent = defineRoute({
  method: "POST",
  path: "/ai-calling/agents",
  handler: "functions/ai-calling/agents/create.handler",
  summary: "Create an agent",
  tag,
  auth: { kind: "user" },
  idempotent: true,
  invalidates: ["agents"],
  request: { body: agents.createInput },
  response: { status: 201, description: "The new agent", schema: agents.output },
});

export const getAgent = defineRoute({
  method: "GET",
  path: "/ai-calling/agents/{id}",
  handler: "functions/ai-calling/agents/get.handler",
  summary: "Read one of your agents",
  tag,
  auth: { kind: "user" },
  request: byId,
  response: { status: 200, description: "The agent", schema: agents.output },
});

export const updateAgent = defineRoute({
  method: "PATCH",
  path: "/ai-calling/agents/{id}",
  handler: "functions/ai-calling/agents/update.handler",
  summary: "Change an agent (JSON merge patch, validated as a whole)",
  tag,
  auth: { kind: "user" },
  invalidates: ["agents"],
  request: { ...byId, body: agents.updateInput },
  response: { status: 200, description: "The updated agent", schema: agents.output },
});

export const deleteAgent = defineRoute({
  method: "DELETE",
  path: "/ai-calling/agents/{id}",
  handler: "functions/ai-calling/agents/delete.handler",
  summary: "Delete an agent; refused with 409 (details path agentId, naming the numbers) while phones are assigned to it: reassign or unassign them first",
  tag,
  auth: { kind: "user" },
  invalidates: ["agents"],
  request: byId,
  response: { status: 204, description: "Deleted" },
});

// Phones

export const listPhones = defineRoute({
  method: "GET",
  path: "/ai-calling/phones",
  handler: "functions/ai-calling/phones/list.handler",
  summary: "List your phone numbers",
  tag,
  auth: { kind: "user" },
  request: { query: listQuerySchema(phones) },
  response: { status: 200, description: "A page of phones", schema: pageOf(phones.output) },
});

export const createPhone = defineRoute({
  method: "POST",
  path: "/ai-calling/phones",
  handler: "functions/ai-calling/phones/create.handler",
  summary: "Add a phone number (unique across the platform: 409 on number); agentId must be one of your agents",
  tag,
  auth: { kind: "user" },
  idempotent: true,
  request: { body: phones.createInput },
  response: { status: 201, description: "The new phone", schema: phones.output },
});

export const getPhone = defineRoute({
  method: "GET",
  path: "/ai-calling/phones/{id}",
  handler: "functions/ai-calling/phones/get.handler",
  summary: "Read one of your phones",
  tag,
  auth: { kind: "user" },
  request: byId,
  response: { status: 200, description: "The phone", schema: phones.output },
});

export const updatePhone = defineRoute({
  method: "PATCH",
  path: "/ai-calling/phones/{id}",
  handler: "functions/ai-calling/phones/update.handler",
  summary: "Change a phone (JSON merge patch, validated as a whole; agentId null unassigns)",
  tag,
  auth: { kind: "user" },
  request: { ...byId, body: phones.updateInput },
  response: { status: 200, description: "The updated phone", schema: phones.output },
});

export const deletePhone = defineRoute({
  method: "DELETE",
  path: "/ai-calling/phones/{id}",
  handler: "functions/ai-calling/phones/delete.handler",
  summary: "Delete a phone",
  tag,
  auth: { kind: "user" },
  request: byId,
  response: { status: 204, description: "Deleted" },
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

export const listCallLogs = defineRoute({
  method: "GET",
  path: "/ai-calling/call-logs",
  handler: "functions/ai-calling/call-logs/list.handler",
  summary: "List your calls: filter by status, direction, agentId, fromPhone, toPhone, and a createdAt range from/to (ISO dates, inclusive)",
  tag,
  auth: { kind: "user" },
  request: { query: callLogListQuery },
  response: { status: 200, description: "A page of call logs", schema: pageOf(callLogs.output) },
});

export const getCallLog = defineRoute({
  method: "GET",
  path: "/ai-calling/call-logs/{id}",
  handler: "functions/ai-calling/call-logs/get.handler",
  summary: "Read one of your call logs (recordingUrl: a short-lived link to the recording)",
  tag,
  auth: { kind: "user" },
  request: byId,
  response: { status: 200, description: "The call log", schema: callLogs.output },
});

// Users (admins), and one's own Exotel credentials

export const listUsers = defineRoute({
  method: "GET",
  path: "/ai-calling/users",
  handler: "functions/ai-calling/users/list.handler",
  summary: "List users (admins)",
  tag,
  auth: { kind: "user", roles: ["admin"] },
  request: { query: listQuerySchema(users) },
  response: { status: 200, description: "A page of users", schema: pageOf(userOutput) },
});

export const getUser = defineRoute({
  method: "GET",
  path: "/ai-calling/users/{id}",
  handler: "functions/ai-calling/users/get.handler",
  summary: "Read a user (admins)",
  tag,
  auth: { kind: "user", roles: ["admin"] },
  request: byId,
  response: { status: 200, description: "The user", schema: userOutput },
});

export const updateUser = defineRoute({
  method: "PATCH",
  path: "/ai-calling/users/{id}",
  handler: "functions/ai-calling/users/update.handler",
  summary: "Change a user's name, role, isActive or credits (admins)",
  tag,
  auth: { kind: "user", roles: ["admin"] },
  request: { ...byId, body: adminUserPatch },
  response: { status: 200, description: "The updated user", schema: userOutput },
});

export const deleteUser = defineRoute({
  method: "DELETE",
  path: "/ai-calling/users/{id}",
  handler: "functions/ai-calling/users/delete.handler",
  summary: "Delete a user with their agents and phones; their call logs stay (admins)",
  tag,
  auth: { kind: "user", roles: ["admin"] },
  invalidates: ["agents"],
  request: byId,
  response: { status: 204, description: "Deleted" },
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
