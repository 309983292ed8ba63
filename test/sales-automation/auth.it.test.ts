/**
 * Sales Automation's auth endpoints over real HTTP: register and login answer a session without
 * the password hash (stored as bcrypt, 10 rounds); a taken email is a 409 naming `email`; refresh
 * rotates and a replayed refresh token revokes the family; logout ends the session; tokens of
 * another system are refused both ways. Page access tokens are encrypted at rest, never shown.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collections as aiCallingCollections } from "#core/ai-calling/collections.ts";
import { database } from "#core/db/client.ts";
import { syncCollections } from "#core/db/sync.ts";
import { collections } from "#core/sales-automation/collections.ts";
import { users } from "#core/sales-automation/users.ts";
import { startHttpServer, type LocalHttpServer } from "#local/runtime/http-server.ts";
import { routes } from "../../functions/routes.ts";

let server: LocalHttpServer;

beforeAll(async () => {
  await syncCollections({ db: database("sales-automation"), definitions: collections });
  await syncCollections({ db: database("ai-calling"), definitions: aiCallingCollections });
  server = await startHttpServer({ routes, port: 0 });
});

afterAll(async () => {
  await server.stop();
});

type Json = Record<string, any>;
const post = async (path: string, body: unknown, system = "sales-automation") => {
  const response = await fetch(`${server.url}/${system}/auth/${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: response.status, headers: response.headers, body: (response.status === 204 ? undefined : await response.json()) as Json };
};
const me = async (token: string, system = "sales-automation") => {
  const response = await fetch(`${server.url}/${system}/auth/me`, { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, body: (await response.json()) as Json };
};
const newEmail = () => `Seller.${randomBytes(4).toString("hex")}@Example.com`;
const PASSWORD = "correct horse battery";

describe("register", () => {
  it("creates the account and answers a session without the password", async () => {
    const email = newEmail();

    const { status, body } = await post("register", { email, password: PASSWORD, businessInfo: { businessName: "Acme", ownerName: "Ada" } });

    expect(status).toBe(201);
    expect(body).toMatchObject({ accessToken: expect.any(String), refreshToken: expect.any(String), expiresIn: 900 });
    expect(body.user).toMatchObject({ email: email.toLowerCase(), role: "user", onboardingCompleted: false, businessInfo: { businessName: "Acme", ownerName: "Ada", documents: [] }, globalAI: { trained: false } });
    expect(body.user).not.toHaveProperty("password");
    const stored = await database("sales-automation").collection("users").findOne({ email: email.toLowerCase() });
    expect(stored!.password).toMatch(/^\$2b\$10\$/);
  });

  it("registers with only email and password", async () => {
    const { status, body } = await post("register", { email: newEmail(), password: PASSWORD });

    expect(status).toBe(201);
    expect(body.user.role).toBe("user");
  });

  it("answers 409 naming email when the address is taken, whatever its case", async () => {
    const email = newEmail();
    await post("register", { email, password: PASSWORD });

    const { status, body } = await post("register", { email: email.toUpperCase(), password: PASSWORD });

    expect(status).toBe(409);
    expect(body.error.details[0].path).toBe("email");
  });

  it("refuses a short password, a bad email, a self-assigned role and server-managed fields with one detail each", async () => {
    const { status, body } = await post("register", {
      email: "not-an-email", password: "short", role: "admin",
      integrations: { facebook: { connected: true, pageAccessToken: "x" } }, globalAI: { trained: true },
    });

    expect(status).toBe(400);
    expect(body.error.details.map((detail: Json) => detail.path).sort()).toEqual(["email", "globalAI", "integrations", "password", "role"]);
  });
});

describe("login, me, refresh, logout", () => {
  const email = newEmail();

  beforeAll(async () => {
    await post("register", { email, password: PASSWORD });
  });

  it("signs in and me answers the user", async () => {
    const { status, body } = await post("login", { email, password: PASSWORD });
    const profile = await me(body.accessToken);

    expect(status).toBe(200);
    expect(body.user).not.toHaveProperty("password");
    expect(profile.status).toBe(200);
    expect(profile.body.email).toBe(email.toLowerCase());
    expect(profile.body).not.toHaveProperty("password");
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

  it("a sales-automation token is refused by ai-calling, and an ai-calling token by sales-automation", async () => {
    const ours = (await post("login", { email, password: PASSWORD })).body;
    const theirs = (await post("register", { email: newEmail(), password: PASSWORD, name: "Other" }, "ai-calling")).body;

    expect((await me(ours.accessToken, "ai-calling")).status).toBe(401);
    expect((await me(theirs.accessToken)).status).toBe(401);
    expect((await me(theirs.accessToken, "ai-calling")).status).toBe(200);
  });
});

describe("users collection", () => {
  it("refuses a plaintext page access token at the database, and admits its ciphertext", async () => {
    const collection = database("sales-automation").collection("users");
    const now = new Date();
    const base = { password: "$2b$10$abcdefghijklmnopqrstuv", role: "user", onboardingCompleted: false, globalAI: { trained: false }, createdAt: now, updatedAt: now };

    const plain = collection.insertOne({ ...base, email: `plain.${randomBytes(4).toString("hex")}@example.com`, integrations: { facebook: { connected: true, pageAccessToken: "EAAB-plaintext" } } });
    const cipher = collection.insertOne({ ...base, email: `cipher.${randomBytes(4).toString("hex")}@example.com`, integrations: { facebook: { connected: true, pageAccessToken: "enc:v1:abc" } } });

    await expect(plain).rejects.toThrow();
    await expect(cipher).resolves.toBeDefined();
  });

  it("never shows a page access token", () => {
    const shown = users.toApi({ _id: "64f8a1b2c3d4e5f6a7b8c9d0", email: "a@example.com", password: "$2b$10$x", role: "user", integrations: { instagram: { connected: true, pageAccessToken: "enc:v1:abc" } }, createdAt: new Date(), updatedAt: new Date() } as never) as Record<string, any>;

    expect(shown).not.toHaveProperty("password");
    expect(shown.integrations.instagram).not.toHaveProperty("pageAccessToken");
  });
});
