/**
 * AutoMedia's auth endpoints over real HTTP, with the document's `sessions`: register and login
 * answer a session and store one `sessions` document holding SHA-256 hashes only and the refresh
 * expiry; refresh moves the same document to the new pair; logout deletes it; AutoMedia's tokens
 * are refused by another system.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collections } from "#core/automedia/collections.ts";
import { hashToken } from "#core/automedia/session-store.ts";
import { database } from "#core/db/client.ts";
import { syncCollections } from "#core/db/sync.ts";
import { startHttpServer, type LocalHttpServer } from "#local/runtime/http-server.ts";
import { routes } from "../../functions/routes.ts";

let server: LocalHttpServer;

beforeAll(async () => {
  await syncCollections({ db: database("automedia"), definitions: collections });
  server = await startHttpServer({ routes, port: 0 });
});

afterAll(async () => {
  await server.stop();
});

type Json = Record<string, any>;
const post = async (path: string, body: unknown) => {
  const response = await fetch(`${server.url}/automedia/auth/${path}`, { method: "POST", headers: { "content-type": "application/json", "user-agent": "automedia-test" }, body: JSON.stringify(body) });
  return { status: response.status, body: (response.status === 204 ? undefined : await response.json()) as Json };
};
const me = async (token: string, system = "automedia") => {
  const response = await fetch(`${server.url}/${system}/auth/me`, { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, body: (await response.json()) as Json };
};
const sessionsOf = () => database("automedia").collection("sessions");
const byToken = (accessToken: string) => sessionsOf().findOne({ token: hashToken(accessToken) });
const newEmail = () => `User.${randomBytes(4).toString("hex")}@Example.com`;
const PASSWORD = "correct horse battery";

describe("register", () => {
  it("creates the account, answers a session and stores the session's hashes only", async () => {
    const email = newEmail();

    const { status, body } = await post("register", { email, password: PASSWORD, profile: { firstName: "Ada" } });

    expect(status).toBe(201);
    expect(body).toMatchObject({ accessToken: expect.any(String), refreshToken: expect.any(String), expiresIn: 900 });
    expect(body.user).toMatchObject({ email: email.toLowerCase(), profile: { firstName: "Ada" }, isActive: true });
    expect(body.user).not.toHaveProperty("password");
    const stored = await byToken(body.accessToken);
    expect(stored).toMatchObject({ refreshToken: hashToken(body.refreshToken), isActive: true, userAgent: "automedia-test" });
    expect(stored!.userId.toHexString()).toBe(body.user._id);
    expect(stored!.expiresAt.getTime()).toBeGreaterThan(Date.now() + 24 * 3600_000);
    const text = JSON.stringify(stored);
    expect(text).not.toContain(body.accessToken);
    expect(text).not.toContain(body.refreshToken);
  });

  it("keeps the TTL index on expiresAt", async () => {
    const indexes = await sessionsOf().indexes();

    expect(indexes.find((index) => index.key.expiresAt === 1)).toMatchObject({ expireAfterSeconds: 0 });
  });
});

describe("login, me, refresh, logout", () => {
  const email = newEmail();

  beforeAll(async () => {
    await post("register", { email, password: PASSWORD });
  });

  it("signs in, stores a session, and me answers the user", async () => {
    const { status, body } = await post("login", { email, password: PASSWORD });

    expect(status).toBe(200);
    expect((await me(body.accessToken)).body.email).toBe(email.toLowerCase());
    expect(await byToken(body.accessToken)).toMatchObject({ refreshToken: hashToken(body.refreshToken) });
  });

  it("gives the same 401 for a wrong password and an unknown email", async () => {
    const wrong = await post("login", { email, password: "wrong password!" });
    const unknown = await post("login", { email: newEmail(), password: PASSWORD });

    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body.error.message).toBe(unknown.body.error.message);
  });

  it("rotates on refresh and moves the same session document to the new hashes", async () => {
    const first = (await post("login", { email, password: PASSWORD })).body;
    const before = await byToken(first.accessToken);

    const second = await post("refresh", { refreshToken: first.refreshToken });

    expect(second.status).toBe(200);
    expect(second.body.refreshToken).not.toBe(first.refreshToken);
    const after = await byToken(second.body.accessToken);
    expect(after!._id).toEqual(before!._id);
    expect(after!.refreshToken).toBe(hashToken(second.body.refreshToken));
    expect(await byToken(first.accessToken)).toBeNull();
  });

  it("a replayed refresh token revokes the session and deletes its document", async () => {
    const first = (await post("login", { email, password: PASSWORD })).body;
    const second = (await post("refresh", { refreshToken: first.refreshToken })).body;

    expect((await post("refresh", { refreshToken: first.refreshToken })).status).toBe(401);
    expect(await byToken(second.accessToken)).toBeNull();
  });

  it("logout removes the session's document and ends the session", async () => {
    const session = (await post("login", { email, password: PASSWORD })).body;
    const stored = await byToken(session.accessToken);

    const out = await post("logout", { refreshToken: session.refreshToken });

    expect(out.status).toBe(204);
    expect(await sessionsOf().findOne({ _id: stored!._id })).toBeNull();
    expect((await post("refresh", { refreshToken: session.refreshToken })).status).toBe(401);
    expect((await me(session.accessToken)).status).toBe(401);
  });

  it("an AutoMedia token is refused by AI Calling", async () => {
    const session = (await post("login", { email, password: PASSWORD })).body;

    expect((await me(session.accessToken, "ai-calling")).status).toBe(401);
  });
});
