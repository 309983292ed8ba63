/**
 * Protected routes read a Bearer access token of their own system: another system's token, a
 * tampered or missing one is 401 (with WWW-Authenticate), a wrong role is 403, and a valid one
 * hands the handler its caller.
 */
import { ObjectId } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueSession } from "#core/auth/tokens.ts";
import { startHttpServer, type LocalHttpServer } from "#local/runtime/http-server.ts";
import { authRoutes } from "#test/fixtures/auth/routes.ts";

let server: LocalHttpServer;
const userId = new ObjectId();

beforeAll(async () => {
  server = await startHttpServer({ routes: authRoutes, port: 0 });
});

afterAll(async () => {
  await server.stop();
});

const get = (path: string, token?: string) => fetch(`${server.url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

describe("authenticate", () => {
  it("hands the handler the caller of a valid token of the route's system", async () => {
    const { accessToken } = await issueSession({ system: "ai-calling", userId, role: "user" });

    const response = await get("/ai-calling/test-auth/me", accessToken);

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ userId: userId.toHexString(), role: "user" });
  });

  it("refuses a token of another system with 401", async () => {
    const { accessToken } = await issueSession({ system: "automedia", userId, role: "user" });

    const response = await get("/ai-calling/test-auth/me", accessToken);

    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("UNAUTHORIZED");
  });

  it("refuses a missing or tampered token with 401 and WWW-Authenticate", async () => {
    const { accessToken } = await issueSession({ system: "ai-calling", userId, role: "user" });
    const [head, body, signature] = accessToken.split(".");
    const tampered = `${head}.${body}.${signature.slice(0, -2)}${signature.endsWith("AA") ? "BB" : "AA"}`;

    const missing = await get("/ai-calling/test-auth/me");
    const forged = await get("/ai-calling/test-auth/me", tampered);

    expect(missing.status).toBe(401);
    expect(missing.headers.get("www-authenticate")).toBe("Bearer");
    expect(forged.status).toBe(401);
  });

  it("answers 403 when the caller's role is not allowed", async () => {
    const user = await issueSession({ system: "ai-calling", userId, role: "user" });
    const admin = await issueSession({ system: "ai-calling", userId, role: "admin" });

    expect((await get("/ai-calling/test-auth/admin", user.accessToken)).status).toBe(403);
    expect((await get("/ai-calling/test-auth/admin", admin.accessToken)).status).toBe(200);
  });
});
