/**
 * DelAuto integrations call with `X-API-Key`: the key's permissions are checked per route, its own
 * rate limit applies, a missing or unknown key is 401, and every use is counted, reaching
 * `usage_count` when the flush cron runs.
 */
import { ObjectId } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiKey, deactivateApiKey } from "#core/auth/api-keys.ts";
import { collections } from "#core/delauto/collections.ts";
import { database } from "#core/db/client.ts";
import { syncCollections } from "#core/db/sync.ts";
import { startHttpServer, type LocalHttpServer } from "#local/runtime/http-server.ts";
import { startScheduler, type Scheduler } from "#local/runtime/scheduler.ts";
import { integrationRoutes } from "#test/fixtures/auth/routes.ts";
import { crons } from "../../functions/crons.ts";

let server: LocalHttpServer;
let scheduler: Scheduler;
const creator = new ObjectId();

beforeAll(async () => {
  await syncCollections({ db: database("delauto"), definitions: collections });
  scheduler = startScheduler(crons, { paused: true });
  server = await startHttpServer({ routes: integrationRoutes, scheduler, port: 0 });
});

afterAll(async () => {
  scheduler.stop();
  await server.stop();
});

const call = (method: string, key?: string) =>
  fetch(`${server.url}/delauto/test-integrations/deliveries`, { method, headers: key ? { "x-api-key": key } : {} });

describe("X-API-Key routes", () => {
  it("let a key with the route's permission in, and refuse one without it with 403", async () => {
    const { key } = await createApiKey({ createdBy: creator, name: "reader", permissions: ["deliveries:read"] });

    const read = await call("GET", key);
    const write = await call("POST", key);

    expect(read.status).toBe(200);
    expect(((await read.json()) as { permissions: string[] }).permissions).toEqual(["deliveries:read"]);
    expect(write.status).toBe(403);
  });

  it("answer 401 for a missing, unknown or deactivated key", async () => {
    const { key, document } = await createApiKey({ createdBy: creator, name: "soon gone", permissions: ["deliveries:read"] });
    await deactivateApiKey(document._id);

    const missing = await call("GET");

    expect(missing.status).toBe(401);
    expect(missing.headers.get("www-authenticate")).toBe("ApiKey");
    expect((await call("GET", "dak_not-a-real-key")).status).toBe(401);
    expect((await call("GET", key)).status).toBe(401);
  });

  it("apply the key's own rate limit", async () => {
    const { key } = await createApiKey({ createdBy: creator, name: "tight", permissions: ["deliveries:read"], rate_limit: { requests: 2, period: 60_000 } });

    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await call("GET", key)).status);

    expect(statuses).toEqual([200, 200, 429]);
  });

  it("count every use, folded into usage_count by the flush cron", async () => {
    const { key, document } = await createApiKey({ createdBy: creator, name: "counted", permissions: ["deliveries:read"] });
    for (let i = 0; i < 3; i++) await call("GET", key);
    await new Promise((resolve) => setTimeout(resolve, 100));

    const run = await fetch(`${server.url}/_local/cron/flush-api-key-usage`, { method: "POST" });
    const stored = await database("delauto").collection("apikeys").findOne({ _id: document._id });

    expect(run.status).toBe(200);
    expect(stored!.usage_count).toBe(3);
    expect(stored!.last_used_at).toBeInstanceOf(Date);
  });
});
