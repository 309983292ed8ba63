/**
 * Redis stops in the middle of this file (its own redis-server, never the shared one): reads go
 * on, with the rate limit and the cache skipped and the token unchecked against revocations;
 * logins and writes answer 503 with Retry-After; every degradation is logged, and nothing stored
 * in MongoDB is touched.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collections } from "#core/ai-calling/collections.ts";
import { database } from "#core/db/client.ts";
import { syncCollections } from "#core/db/sync.ts";
import { policyRoutes } from "#test/fixtures/auth/routes.ts";
import { captureLogs, readError, startTestServer, type TestServer } from "#test/fixtures/http/server.ts";
import { startTestRedis, type TestRedis } from "#test/helpers/redis.ts";
import { routes } from "../../functions/routes.ts";

let testRedis: TestRedis;
let server: TestServer;
let accessToken: string;
const email = `outage.${randomBytes(4).toString("hex")}@example.com`;
const password = "correct horse battery";

beforeAll(async () => {
  testRedis = await startTestRedis();
  // Before the first request: the container's Redis client is built from these on first use.
  process.env.UPSTASH_REDIS_REST_URL = testRedis.bridgeUrl;
  process.env.UPSTASH_REDIS_REST_TOKEN = testRedis.token;
  await syncCollections({ db: database("ai-calling"), definitions: collections });
  server = await startTestServer([...routes, ...policyRoutes]);
  const registered = await server.post("/ai-calling/auth/register", { email, password, name: "Outage" });
  expect(registered.status).toBe(201);
  accessToken = ((await registered.json()) as { accessToken: string }).accessToken;
});

afterAll(async () => {
  await server?.stop();
  await testRedis?.stop();
});

const authorized = (path: string, init: RequestInit = {}) =>
  server.call(`/ai-calling/test-auth/${path}`, { ...init, headers: { authorization: `Bearer ${accessToken}`, ...init.headers } });
const runsOf = async (response: Response) => ((await response.json()) as { runs: number }).runs;

/** The warnings logged while `run` ran. */
async function warningsDuring(run: () => Promise<void>): Promise<string[]> {
  const logs = captureLogs();
  try {
    await run();
  } finally {
    logs.stop();
  }
  return logs.entries().filter((entry) => entry.level === "warn").map((entry) => String(entry.message));
}

describe("while Redis answers", () => {
  it("limits, caches and logs in as usual", async () => {
    const limited = await authorized("limited");
    await authorized("cached");
    const hit = await authorized("cached");
    const login = await server.post("/ai-calling/auth/login", { email, password });

    expect(limited.headers.get("ratelimit-limit")).toBe("2");
    expect(hit.headers.get("x-cache")).toBe("hit");
    expect(login.status).toBe(200);
  });
});

describe("once Redis has stopped", () => {
  beforeAll(async () => {
    await testRedis.stopServer();
  });

  it("serves a rate-limited read without RateLimit headers (failing open) and says so", async () => {
    let response!: Response;
    const warnings = await warningsDuring(async () => {
      response = await authorized("limited");
    });

    expect(response.status).toBe(200);
    expect(response.headers.get("ratelimit-limit")).toBeNull();
    expect(warnings).toContainEqual(expect.stringMatching(/accepting a valid access token .*failing open/));
    expect(warnings).toContainEqual(expect.stringMatching(/rate limit skipped.*failing open/));
  });

  it("answers a cacheable read from the handler instead of failing", async () => {
    const before = await runsOf(await authorized("cached"));
    let response!: Response;
    const warnings = await warningsDuring(async () => {
      response = await authorized("cached");
    });

    expect(response.status).toBe(200);
    expect(response.headers.get("x-cache")).not.toBe("hit");
    expect(await runsOf(response)).toBe(before + 1);
    expect(warnings).toContainEqual(expect.stringMatching(/api cache read failed/));
  });

  it("refuses a login with 503 and Retry-After (failing closed) and says so", async () => {
    let response!: Response;
    const warnings = await warningsDuring(async () => {
      response = await server.post("/ai-calling/auth/login", { email, password });
    });

    expect(response.status).toBe(503);
    expect((await readError(response)).code).toBe("UNAVAILABLE");
    expect(Number(response.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(warnings).toContainEqual(expect.stringMatching(/fail(s|ing) closed/));
  });

  it("refuses a write with 503, since a revoked token could otherwise change data", async () => {
    const before = await runsOf(await authorized("cached"));

    const response = await authorized("bump", { method: "POST" });

    expect(response.status).toBe(503);
    expect((await readError(response)).code).toBe("UNAVAILABLE");
    expect(await runsOf(await authorized("cached"))).toBe(before + 1);
  });

  it("leaves the account in MongoDB as it was", async () => {
    const me = await server.call("/ai-calling/auth/me", { headers: { authorization: `Bearer ${accessToken}` } });
    const stored = await database("ai-calling").collection("users").findOne({ email });

    expect(me.status).toBe(200);
    expect(((await me.json()) as { email: string }).email).toBe(email);
    expect(stored).toMatchObject({ email, isActive: true });
    expect(stored!.password).toMatch(/^\$2[aby]\$10\$/);
  });
});
