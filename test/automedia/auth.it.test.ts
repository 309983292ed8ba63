/**
 * AutoMedia's auth endpoints over real HTTP, with the document's `sessions` (what every system's
 * auth endpoints share is in test/auth/endpoints.it.test.ts): register and login store one
 * `sessions` document holding SHA-256 hashes only, the user agent and the refresh expiry, under a
 * TTL index on `expiresAt`; refresh moves the same document to the new pair; a replayed refresh
 * token and logout delete it. Registration needs no profile.
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
const sessionsOf = () => database("automedia").collection("sessions");
const byToken = (accessToken: string) => sessionsOf().findOne({ token: hashToken(accessToken) });
const newEmail = () => `User.${randomBytes(4).toString("hex")}@Example.com`;
const PASSWORD = "correct horse battery";

describe("register", () => {
  it("stores the new session as one document of hashes only, with the user agent and the refresh expiry", async () => {
    const { status, body } = await post("register", { email: newEmail(), password: PASSWORD, profile: { firstName: "Ada" } });

    expect(status).toBe(201);
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

describe("login, refresh, logout", () => {
  const email = newEmail();

  beforeAll(async () => {
    expect((await post("register", { email, password: PASSWORD })).status).toBe(201);
  });

  it("login stores a session document holding the new pair's hashes", async () => {
    const { status, body } = await post("login", { email, password: PASSWORD });

    expect(status).toBe(200);
    expect(await byToken(body.accessToken)).toMatchObject({ refreshToken: hashToken(body.refreshToken), userAgent: "automedia-test" });
  });

  it("refresh moves the same session document to the new hashes", async () => {
    const first = (await post("login", { email, password: PASSWORD })).body;
    const before = await byToken(first.accessToken);

    const second = await post("refresh", { refreshToken: first.refreshToken });

    expect(second.status).toBe(200);
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

  it("logout removes the session's document", async () => {
    const session = (await post("login", { email, password: PASSWORD })).body;
    const stored = await byToken(session.accessToken);

    const out = await post("logout", { refreshToken: session.refreshToken });

    expect(out.status).toBe(204);
    expect(await sessionsOf().findOne({ _id: stored!._id })).toBeNull();
  });
});
