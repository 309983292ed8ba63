/**
 * Sales Automation's auth endpoints over real HTTP, and what its `users` keep from them (what every
 * system's auth endpoints share is in test/auth/endpoints.it.test.ts): registration needs only an
 * email and a password, `businessInfo` being completed during onboarding. Page access tokens are
 * encrypted at rest, never shown.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { database } from "#core/db/client.ts";
import { syncCollections } from "#core/db/sync.ts";
import { collections } from "#core/sales-automation/collections.ts";
import { users } from "#core/sales-automation/users.ts";
import { startHttpServer, type LocalHttpServer } from "#local/runtime/http-server.ts";
import { routes } from "../../functions/routes.ts";

let server: LocalHttpServer;

beforeAll(async () => {
  await syncCollections({ db: database("sales-automation"), definitions: collections });
  server = await startHttpServer({ routes, port: 0 });
});

afterAll(async () => {
  await server.stop();
});

type Json = Record<string, any>;
const post = async (path: string, body: unknown) => {
  const response = await fetch(`${server.url}/sales-automation/auth/${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Json };
};
const newEmail = () => `Seller.${randomBytes(4).toString("hex")}@Example.com`;
const PASSWORD = "correct horse battery";

describe("register", () => {
  it("registers with only email and password", async () => {
    const { status, body } = await post("register", { email: newEmail(), password: PASSWORD });

    expect(status).toBe(201);
    expect(body.user.role).toBe("user");
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
