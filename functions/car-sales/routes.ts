/**
 * Routes of the Car Sales AI Assistant (`/car-sales`). Auth endpoints as API.md defines them;
 * logins and registrations are limited per client IP and refused while Redis is down.
 */
import { z } from "zod";
import { accounts } from "#core/car-sales/accounts.ts";
import { users } from "#core/car-sales/users.ts";
import { loginInput, refreshInput, registerInput } from "#core/auth/accounts.ts";
import { defineRoute } from "#core/http/route.ts";

const session = z.object({ accessToken: z.string(), refreshToken: z.string(), expiresIn: z.number().int(), user: users.output });

export const register = defineRoute({
  method: "POST",
  path: "/car-sales/auth/register",
  handler: "functions/car-sales/auth/register.handler",
  summary: "Create an account and sign in",
  tag: "car-sales",
  auth: { kind: "public" },
  rateLimit: { endpoint: "auth:register", limit: 10, windowSeconds: 3600, by: "ip", whenRedisDown: "closed" },
  request: { body: registerInput(accounts) },
  response: { status: 201, description: "The new account's session", schema: session },
});

export const login = defineRoute({
  method: "POST",
  path: "/car-sales/auth/login",
  handler: "functions/car-sales/auth/login.handler",
  summary: "Sign in with email and password",
  tag: "car-sales",
  auth: { kind: "public" },
  rateLimit: { endpoint: "auth:login", limit: 30, windowSeconds: 900, by: "ip", whenRedisDown: "closed" },
  request: { body: loginInput },
  response: { status: 200, description: "A session: access token, refresh token, the user", schema: session },
});

export const refresh = defineRoute({
  method: "POST",
  path: "/car-sales/auth/refresh",
  handler: "functions/car-sales/auth/refresh.handler",
  summary: "Trade a refresh token for a new session (the old token stops working)",
  tag: "car-sales",
  auth: { kind: "public" },
  rateLimit: { endpoint: "auth:refresh", limit: 60, windowSeconds: 900, by: "ip", whenRedisDown: "closed" },
  request: { body: refreshInput },
  response: { status: 200, description: "A new session", schema: session },
});

export const logout = defineRoute({
  method: "POST",
  path: "/car-sales/auth/logout",
  handler: "functions/car-sales/auth/logout.handler",
  summary: "End the session the refresh token belongs to",
  tag: "car-sales",
  auth: { kind: "public" },
  request: { body: refreshInput },
  response: { status: 204, description: "Signed out" },
});

export const me = defineRoute({
  method: "GET",
  path: "/car-sales/auth/me",
  handler: "functions/car-sales/auth/me.handler",
  summary: "The signed-in user",
  tag: "car-sales",
  auth: { kind: "user" },
  request: {},
  response: { status: 200, description: "The user", schema: users.output },
});

export const carSalesRoutes = [register, login, refresh, logout, me];
