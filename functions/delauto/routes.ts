/**
 * Routes of DelAuto (`/delauto`): its auth endpoints (API.md), from the shared auth manifest, and
 * the management of integration API keys (admins; a key is shown once, in the 201 creating it).
 */
import * as z from "zod";
import { accounts } from "#core/delauto/accounts.ts";
import { apiKeys } from "#core/delauto/api-keys.ts";
import { authRoutes } from "#core/auth/auth-routes.ts";
import { listQuerySchema } from "#core/db/list-query.ts";
import { defineRoute } from "#core/http/route.ts";

export const { register, login, refresh, logout, me } = authRoutes(accounts);

const keyId = z.strictObject({ id: z.string().regex(/^[0-9a-fA-F]{24}$/, "must be a 24-character hex id") });

export const createApiKey = defineRoute({
  method: "POST",
  path: "/delauto/api-keys",
  handler: "functions/delauto/api-keys/create.handler",
  summary: "Create an integration API key (the key is in this answer only)",
  tag: "delauto",
  auth: { kind: "user", roles: ["admin"] },
  idempotent: true,
  request: { body: apiKeys.createInput },
  response: { status: 201, description: "The key's record, with the key itself", schema: apiKeys.output.extend({ key: z.string() }) },
});

export const listApiKeys = defineRoute({
  method: "GET",
  path: "/delauto/api-keys",
  handler: "functions/delauto/api-keys/list.handler",
  summary: "List integration API keys (never the keys themselves)",
  tag: "delauto",
  auth: { kind: "user", roles: ["admin"] },
  request: { query: listQuerySchema(apiKeys) },
  response: { status: 200, description: "A page of API keys", schema: z.object({ data: z.array(apiKeys.output), nextCursor: z.string().nullable() }) },
});

export const deactivateApiKey = defineRoute({
  method: "POST",
  path: "/delauto/api-keys/{id}/deactivate",
  handler: "functions/delauto/api-keys/deactivate.handler",
  summary: "Deactivate an API key (effective at once)",
  tag: "delauto",
  auth: { kind: "user", roles: ["admin"] },
  request: { params: keyId },
  response: { status: 200, description: "The deactivated key's record", schema: apiKeys.output },
});

export const delautoRoutes = [register, login, refresh, logout, me, createApiKey, listApiKeys, deactivateApiKey];
