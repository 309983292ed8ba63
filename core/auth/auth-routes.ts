/**
 * The route manifest entries of a system's auth endpoints (API.md "Auth"), the same for every
 * system: register, login, refresh, logout under `/{system}/auth/`, and `me`. Handlers live in
 * `functions/{system}/auth/<name>.ts`. Logins, registrations and refreshes are limited per client
 * IP and refused while Redis is down (a limiter that fails open would let guessing through).
 *
 * @example
 * export const { register, login, refresh, logout, me } = authRoutes(accounts);
 */
import * as z from "zod";
import { defineRoute } from "../http/route.ts";
import { loginInput, refreshInput, registerInput, type AccountModel } from "./accounts.ts";

export function authRoutes(accounts: AccountModel) {
  const { system, definition } = accounts;
  const session = z.object({ accessToken: z.string(), refreshToken: z.string(), expiresIn: z.number().int(), user: definition.output });
  const entry = (name: string) => ({ path: `/${system}/auth/${name}`, handler: `functions/${system}/auth/${name}.handler`, tag: system });
  const perIp = (endpoint: string, limit: number, windowSeconds: number) =>
    ({ endpoint, limit, windowSeconds, by: "ip", whenRedisDown: "closed" }) as const;

  return {
    register: defineRoute({
      method: "POST",
      ...entry("register"),
      summary: "Create an account and sign in",
      auth: { kind: "public" },
      rateLimit: perIp("auth:register", 10, 3600),
      request: { body: registerInput(accounts) },
      response: { status: 201, description: "The new account's session", schema: session },
    }),
    login: defineRoute({
      method: "POST",
      ...entry("login"),
      summary: accounts.fields.phone ? "Sign in with email or phone, and password" : "Sign in with email and password",
      auth: { kind: "public" },
      rateLimit: perIp("auth:login", 30, 900),
      request: { body: loginInput },
      response: { status: 200, description: "A session: access token, refresh token, the user", schema: session },
    }),
    refresh: defineRoute({
      method: "POST",
      ...entry("refresh"),
      summary: "Trade a refresh token for a new session (the old token stops working)",
      auth: { kind: "public" },
      rateLimit: perIp("auth:refresh", 60, 900),
      request: { body: refreshInput },
      response: { status: 200, description: "A new session", schema: session },
    }),
    logout: defineRoute({
      method: "POST",
      ...entry("logout"),
      summary: "End the session the refresh token belongs to",
      auth: { kind: "public" },
      request: { body: refreshInput },
      response: { status: 204, description: "Signed out" },
    }),
    me: defineRoute({
      method: "GET",
      ...entry("me"),
      summary: "The signed-in account",
      auth: { kind: "user" },
      request: {},
      response: { status: 200, description: "The account", schema: definition.output },
    }),
  };
}
