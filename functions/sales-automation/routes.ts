/**
 * Routes of the AI Sales Automation OS (`/sales-automation`). Auth endpoints as every system has them;
 * logins and registrations are limited per client IP and refused while Redis is down.
 */
import { z } from "zod";
import { accounts } from "#core/sales-automation/accounts.ts";
import { users } from "#core/sales-automation/users.ts";
import { loginInput, refreshInput, registerInput } from "#core/auth/accounts.ts";
import { defineRoute } from "#core/http/route.ts";

const session = z.object({ accessToken: z.string(), refreshToken: z.string(), expiresIn: z.number().int(), user: users.output });

export const register = defineRoute({
  method: "POST",
  path: "/sales-automation/auth/register",
  handler: "functions/sales-automation/auth/register.handler",
  summary: "Create an account and sign in",
  tag: "sales-automation",
  auth: { kind: "public" },
  rateLimit: { endpoint: "auth:register", limit: 10, windowSeconds: 3600, by: "ip", whenRedisDown: "closed" },
  request: { body: registerInput(accounts) },
  response: { status: 201, description: "The new account's session", schema: session },
});

export const login = defineRoute({
  method: "POST",
  path: "/sales-automation/auth/login",
  handler: "functions/sales-automation/auth/login.handler",
  summary: "Sign in with email and password",
  tag: "sales-automation",
  auth: { kind: "public" },
  rateLimit: { endpoint: "auth:login", limit: 30, windowSeconds: 900, by: "ip", whenRedisDown: "closed" },
  request: { body: loginInput },
  response: { status: 200, description: "A session: access token, refresh token, the user", schema: session },
});

export const refresh = defineRoute({
  method: "POST",
  path: "/sales-automation/auth/refresh",
  handler: "functions/sales-automation/auth/refresh.handler",
  summary: "Trade a refresh token for a new session (the old token stops working)",
  tag: "sales-automation",
  auth: { kind: "public" },
  rateLimit: { endpoint: "auth:refresh", limit: 60, windowSeconds: 900, by: "ip", whenRedisDown: "closed" },
  request: { body: refreshInput },
  response: { status: 200, description: "A new session", schema: session },
});

export const logout = defineRoute({
  method: "POST",
  path: "/sales-automation/auth/logout",
  handler: "functions/sales-automation/auth/logout.handler",
  summary: "End the session the refresh token belongs to",
  tag: "sales-automation",
  auth: { kind: "public" },
  request: { body: refreshInput },
  response: { status: 204, description: "Signed out" },
});

export const me = defineRoute({
  method: "GET",
  path: "/sales-automation/auth/me",
  handler: "functions/sales-automation/auth/me.handler",
  summary: "The signed-in user",
  tag: "sales-automation",
  auth: { kind: "user" },
  request: {},
  response: { status: 200, description: "The user", schema: users.output },
});

export const salesAutomationRoutes = [register, login, refresh, logout, me];
