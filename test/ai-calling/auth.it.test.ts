/**
 * AI Calling's auth endpoints over real HTTP (API.md "Auth"): register and login answer a session
 * without the password hash; one message for an unknown email and a wrong password; refresh
 * rotates and a replayed refresh token revokes the family; logout ends the session; repeated
 * failures are limited; tokens of another system are refused.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collections } from "#core/ai-calling/collections.ts";
import { issueSession } from "#core/auth/tokens.ts";
import { database } from "#core/db/client.ts";
import { syncCollections } from "#core/db/sync.ts";
import { startHttpServer, type LocalHttpServer } from "#local/runtime/http-server.ts";
import { routes } from "../../functions/routes.ts";

let server: LocalHttpServer;

beforeAll(async () => {
  await syncCollections({ db: database("ai-calling"), definitions: collections });
  server = await startHttpServer({ routes, port: 0 });
});

afterAll(async () => {
  await server.stop();
});

type Json = Record<string, any>;
const post = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
  const response = await fetch(`${server.url}/ai-calling/auth/${path}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
  return { status: response.status, headers: response.headers, body: (response.status === 204 ? undefined : await response.json()) as Json };
};
const me = async (token: string) => {
  const response = await fetch(`${server.url}/ai-calling/auth/me`, { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, body: (await response.json()) as Json };
};
const newEmail = () => `User.${randomBytes(4).toString("hex")}@Example.com`;
const PASSWORD = "correct horse battery";

describe("register", () => {
  it("creates the account and answers a session without the password", async () => {
    const email = newEmail();

    const { status, body } = await post("register", { email, password: PASSWORD, name: "Ada" });

    expect(status).toBe(201);
    expect(body).toMatchObject({ accessToken: expect.any(String), refreshToken: expect.any(String), expiresIn: 900 });
    expect(body.user).toMatchObject({ email: email.toLowerCase(), name: "Ada", role: "user", credits: 0, isActive: true });
    expect(body.user).not.toHaveProperty("password");
    const stored = await database("ai-calling").collection("users").findOne({ email: email.toLowerCase() });
    expect(stored!.password).toMatch(/^\$2[aby]\$10\$/);
  });

  it("answers 409 naming email when the address is taken, whatever its case", async () => {
    const email = newEmail();
    await post("register", { email, password: PASSWORD, name: "First" });

    const { status, body } = await post("register", { email: email.toUpperCase(), password: PASSWORD, name: "Second" });

    expect(status).toBe(409);
    expect(body.error.details[0].path).toBe("email");
  });

  it("refuses a short password, a bad email and a self-assigned role with one detail each", async () => {
    const { status, body } = await post("register", { email: "not-an-email", password: "short", name: "Ada", role: "admin" });

    expect(status).toBe(400);
    expect(body.error.details.map((detail: Json) => detail.path).sort()).toEqual(["email", "password", "role"]);
  });
});

describe("login, me, refresh, logout", () => {
  const email = newEmail();

  beforeAll(async () => {
    await post("register", { email, password: PASSWORD, name: "Grace" });
  });

  it("signs in, records the login time, and me answers the user", async () => {
    const { status, body } = await post("login", { email, password: PASSWORD });
    const profile = await me(body.accessToken);

    expect(status).toBe(200);
    expect(profile.status).toBe(200);
    expect(profile.body.email).toBe(email.toLowerCase());
    expect(Date.parse(profile.body.lastLoginAt)).toBeGreaterThan(Date.now() - 60_000);
  });

  it("gives the same 401 for a wrong password and an unknown email", async () => {
    const wrong = await post("login", { email, password: "wrong password!" });
    const unknown = await post("login", { email: newEmail(), password: PASSWORD });

    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body.error.message).toBe(unknown.body.error.message);
  });

  it("rotates refresh tokens, and a replayed one revokes the whole session", async () => {
    const first = (await post("login", { email, password: PASSWORD })).body;

    const second = await post("refresh", { refreshToken: first.refreshToken });
    const replay = await post("refresh", { refreshToken: first.refreshToken });
    const afterReplay = await post("refresh", { refreshToken: second.body.refreshToken });

    expect(second.status).toBe(200);
    expect(second.body.refreshToken).not.toBe(first.refreshToken);
    expect(replay.status).toBe(401);
    expect(afterReplay.status).toBe(401);
    expect((await me(second.body.accessToken)).status).toBe(401);
  });

  it("ends the session on logout", async () => {
    const session = (await post("login", { email, password: PASSWORD })).body;

    const out = await post("logout", { refreshToken: session.refreshToken });
    const refreshed = await post("refresh", { refreshToken: session.refreshToken });

    expect(out.status).toBe(204);
    expect(refreshed.status).toBe(401);
  });

  it("refuses a deactivated account", async () => {
    const other = newEmail();
    await post("register", { email: other, password: PASSWORD, name: "Gone" });
    await database("ai-calling").collection("users").updateOne({ email: other.toLowerCase() }, { $set: { isActive: false } });

    expect((await post("login", { email: other, password: PASSWORD })).status).toBe(401);
  });

  it("refuses an access token of another system", async () => {
    const foreign = await issueSession({ system: "delauto", userId: "64f8a1b2c3d4e5f6a7b8c9d0", role: "user" });

    expect((await me(foreign.accessToken)).status).toBe(401);
  });
});

describe("failed logins", () => {
  it("are limited per account: after five failures even the right password gets 429 with Retry-After", async () => {
    const email = newEmail();
    await post("register", { email, password: PASSWORD, name: "Target" });
    for (let i = 0; i < 5; i++) await post("login", { email, password: `guess-${i}-wrong` });

    const blocked = await post("login", { email, password: PASSWORD });

    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
  });
});
