/**
 * Routes of DelAuto (`/delauto`). Auth endpoints as API.md defines them;
 * logins and registrations are limited per client IP and refused while Redis is down.
 */
import { z } from "zod";
import { accounts } from "#core/delauto/accounts.ts";
import { agents } from "#core/delauto/agents.ts";
import { loginInput, refreshInput, registerInput } from "#core/auth/accounts.ts";
import { defineRoute } from "#core/http/route.ts";

const session = z.object({ accessToken: z.string(), refreshToken: z.string(), expiresIn: z.number().int(), user: agents.output });

export const register = defineRoute({
  method: "POST",
  path: "/delauto/auth/register",
  handler: "functions/delauto/auth/register.handler",
  summary: "Create an account and sign in",
  tag: "delauto",
  auth: { kind: "public" },
  rateLimit: { endpoint: "auth:register", limit: 10, windowSeconds: 3600, by: "ip", whenRedisDown: "closed" },
  request: { body: registerInput(accounts) },
  response: { status: 201, description: "The new account's session", schema: session },
});

export const login = defineRoute({
  method: "POST",
  path: "/delauto/auth/login",
  handler: "functions/delauto/auth/login.handler",
  summary: "Sign in with email or phone, and password",
  tag: "delauto",
  auth: { kind: "public" },
  rateLimit: { endpoint: "auth:login", limit: 30, windowSeconds: 900, by: "ip", whenRedisDown: "closed" },
  request: { body: loginInput },
  response: { status: 200, description: "A session: access token, refresh token, the user", schema: session },
});

export const refresh = defineRoute({
  method: "POST",
  path: "/delauto/auth/refresh",
  handler: "functions/delauto/auth/refresh.handler",
  summary: "Trade a refresh token for a new session (the old token stops working)",
  tag: "delauto",
  auth: { kind: "public" },
  rateLimit: { endpoint: "auth:refresh", limit: 60, windowSeconds: 900, by: "ip", whenRedisDown: "closed" },
  request: { body: refreshInput },
  response: { status: 200, description: "A new session", schema: session },
});

export const logout = defineRoute({
  method: "POST",
  path: "/delauto/auth/logout",
  handler: "functions/delauto/auth/logout.handler",
  summary: "End the session the refresh token belongs to",
  tag: "delauto",
  auth: { kind: "public" },
  request: { body: refreshInput },
  response: { status: 204, description: "Signed out" },
});

export const me = defineRoute({
  method: "GET",
  path: "/delauto/auth/me",
  handler: "functions/delauto/auth/me.handler",
  summary: "The signed-in agent",
  tag: "delauto",
  auth: { kind: "user" },
  request: {},
  response: { status: 200, description: "The user", schema: agents.output },
});

export const delautoRoutes = [register, login, refresh, logout, me];
