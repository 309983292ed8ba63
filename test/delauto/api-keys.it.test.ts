/**
 * DelAuto admins manage integration keys over HTTP: the key is answered once (201) and never
 * listed, agents who are not admins are refused, and deactivation stops the key at once.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyApiKey } from "#core/auth/api-keys.ts";
import { database } from "#core/db/client.ts";
import { collections } from "#core/delauto/collections.ts";
import { syncCollections } from "#core/db/sync.ts";
import { UnauthorizedError } from "#core/errors.ts";
import { startHttpServer, type LocalHttpServer } from "#local/runtime/http-server.ts";
import { routes } from "../../functions/routes.ts";

let server: LocalHttpServer;
let adminToken: string;
let agentToken: string;

type Json = Record<string, any>;
const send = async (method: string, path: string, token: string, body?: unknown) => {
  const response = await fetch(`${server.url}/delauto/${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { "content-type": "application/json" }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Json };
};

async function signUp(role: "admin" | "agent"): Promise<string> {
  const email = `${role}.${randomBytes(4).toString("hex")}@example.com`;
  const phone = `+1${String(randomBytes(4).readUInt32BE()).padStart(10, "0")}`;
  const password = "correct horse battery";
  const auth = (path: string, body: unknown) => fetch(`${server.url}/delauto/auth/${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  await auth("register", { email, password, name: role, phone });
  await database("delauto").collection("agents").updateOne({ email }, { $set: { role } });
  return ((await (await auth("login", { email, password })).json()) as Json).accessToken;
}

beforeAll(async () => {
  await syncCollections({ db: database("delauto"), definitions: collections });
  server = await startHttpServer({ routes, port: 0 });
  adminToken = await signUp("admin");
  agentToken = await signUp("agent");
});

afterAll(async () => {
  await server.stop();
});

describe("/delauto/api-keys", () => {
  it("answers the new key once, then lists the record without it", async () => {
    const created = await send("POST", "api-keys", adminToken, { name: "Shop sync", permissions: ["deliveries:read"] });
    const listed = await send("GET", "api-keys", adminToken);

    expect(created.status).toBe(201);
    expect(created.body.key).toMatch(/^dak_/);
    expect(created.body).toMatchObject({ name: "Shop sync", permissions: ["deliveries:read"], is_active: true, usage_count: 0 });
    const record = listed.body.data.find((item: Json) => item._id === created.body._id);
    expect(record).toBeDefined();
    expect(record).not.toHaveProperty("key");
    expect((await verifyApiKey(created.body.key)).permissions).toEqual(["deliveries:read"]);
  });

  it("refuses agents who are not admins with 403", async () => {
    expect((await send("POST", "api-keys", agentToken, { name: "Mine" })).status).toBe(403);
    expect((await send("GET", "api-keys", agentToken)).status).toBe(403);
  });

  it("refuses server-managed fields on creation", async () => {
    const { status, body } = await send("POST", "api-keys", adminToken, { name: "Sneaky", usage_count: 5, key: "dak_mine" });

    expect(status).toBe(400);
    expect(body.error.details.map((detail: Json) => detail.path).sort()).toEqual(["key", "usage_count"]);
  });

  it("stops a deactivated key at once", async () => {
    const created = await send("POST", "api-keys", adminToken, { name: "Short-lived", permissions: ["deliveries:read"] });
    await verifyApiKey(created.body.key);

    const deactivated = await send("POST", `api-keys/${created.body._id}/deactivate`, adminToken);

    expect(deactivated.status).toBe(200);
    expect(deactivated.body.is_active).toBe(false);
    await expect(verifyApiKey(created.body.key)).rejects.toBeInstanceOf(UnauthorizedError);
  });
});
