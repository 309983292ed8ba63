/**
 * The API cache over real HTTP and the real redis-server: a miss stores the answer under
 * `cache:api:{route}:{params}` with the route's TTL, a hit is served without the handler, answers
 * are per caller unless the route is public, writes invalidate what they cover, and a broken cache
 * (Redis down, an unreadable entry) never fails a request.
 */
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { redis } from "#core/cache/redis.ts";
import { runs, seedAgent } from "#test/fixtures/cache/handlers.ts";
import { AGENTS_TAG, RUN, cacheRoutes } from "#test/fixtures/cache/routes.ts";
import { TEST_USER_HEADER } from "#test/fixtures/cache/stack.ts";
import { readError, useTestServer } from "#test/fixtures/http/server.ts";

const ctx = useTestServer(cacheRoutes);

const newUser = () => randomBytes(12).toString("hex");
const get = (path: string, user?: string) => ctx.server.call(path, { headers: user ? { [TEST_USER_HEADER]: user } : {} });
const listOf = (user: string, query = "") => get(`/ai-calling/cache-test/agents${query}`, user);
const tagKey = `cache:api:tag:ai-calling:${AGENTS_TAG}`;
const namesIn = async (response: Response) => ((await response.json()) as { data: { name: string }[] }).data.map((agent) => agent.name);

describe("a miss, then a hit", () => {
  it("stores the 200 answer under the documented key with the route's TTL", async () => {
    const user = newUser();
    seedAgent(user, "Ada");

    const response = await listOf(user);
    const body = await response.json();

    const key = `cache:api:agents:list:${user}`;
    expect(response.status).toBe(200);
    expect(response.headers.get("x-cache")).toBe("miss");
    expect(await redis().get(key)).toEqual(body);
    expect(await redis().ttl(key)).toBeGreaterThan(55);
    expect(await redis().ttl(key)).toBeLessThanOrEqual(60);
    expect(await redis().zscore(tagKey, key)).not.toBeNull();
  });

  it("answers a repeat from the cache, without the handler, with its content type, request id and one log line", async () => {
    const user = newUser();
    seedAgent(user, "Ada");
    const first = await (await listOf(user)).text();
    const ranBefore = runs.listAgents;

    const response = await listOf(user);

    expect(response.status).toBe(200);
    expect(response.headers.get("x-cache")).toBe("hit");
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(response.headers.get("x-request-id")).toMatch(/\S/);
    expect(await response.text()).toBe(first);
    expect(runs.listAgents).toBe(ranBefore);
    expect(ctx.logs.requests().at(-1)).toMatchObject({ status: 200, path: "/ai-calling/cache-test/agents", requestId: response.headers.get("x-request-id") });
  });

  it("keeps each caller's answers apart", async () => {
    const [ada, bob] = [newUser(), newUser()];
    seedAgent(ada, "Ada's agent");
    seedAgent(bob, "Bob's agent");
    await listOf(ada);

    const response = await listOf(bob);

    expect(response.headers.get("x-cache")).toBe("miss");
    expect(await namesIn(response)).toEqual(["Bob's agent"]);
  });

  it("gives the same query in any order the same key", async () => {
    const user = newUser();
    seedAgent(user, "Ada");
    await listOf(user, "?status=active&limit=5");

    const response = await listOf(user, "?limit=5&status=active");

    expect(response.headers.get("x-cache")).toBe("hit");
    expect(await redis().exists(`cache:api:agents:list:${user}?limit=5&status=active`)).toBe(1);
  });

  it("keys a read by its path parameters, with that route's TTL", async () => {
    const user = newUser();
    const id = seedAgent(user, "Ada");

    await get(`/ai-calling/cache-test/agents/${id}`, user);
    const again = await get(`/ai-calling/cache-test/agents/${id}`, user);

    const key = `cache:api:agents:get:${user}:id=${id}`;
    expect(again.headers.get("x-cache")).toBe("hit");
    expect(await redis().ttl(key)).toBeGreaterThan(295);
  });

  it("does not store an answer that is not a 200", async () => {
    const user = newUser();
    const ranBefore = runs.getAgent ?? 0;

    const responses = [await get("/ai-calling/cache-test/agents/nope", user), await get("/ai-calling/cache-test/agents/nope", user)];

    expect(responses.map((response) => response.status)).toEqual([404, 404]);
    expect(runs.getAgent).toBe(ranBefore + 2);
    expect(await redis().exists(`cache:api:agents:get:${user}:id=nope`)).toBe(0);
  });

  it("shares a public route's answer between callers", async () => {
    await get("/ai-calling/cache-test/stats", newUser());

    const response = await get("/ai-calling/cache-test/stats", newUser());

    expect(response.headers.get("x-cache")).toBe("hit");
    expect(await redis().exists(`cache:api:stats-${RUN}:public`)).toBe(1);
  });
});

describe("expiry", () => {
  it("runs the handler again once the cached answer has expired", async () => {
    const user = newUser();
    await listOf(user);
    await redis().pexpire(`cache:api:agents:list:${user}`, 1);
    await sleep(20);
    const ranBefore = runs.listAgents;

    const response = await listOf(user);

    expect(response.headers.get("x-cache")).toBe("miss");
    expect(runs.listAgents).toBe(ranBefore + 1);
  });
});

describe("invalidation", () => {
  const create = (user: string, name: string) => ctx.server.post("/ai-calling/cache-test/agents", { name }, { [TEST_USER_HEADER]: user });

  it("drops the cached reads a successful write covers, so the next read sees the write", async () => {
    const user = newUser();
    await listOf(user);

    const created = await create(user, "New agent");
    const after = await listOf(user);

    expect(created.status).toBe(201);
    expect(after.headers.get("x-cache")).toBe("miss");
    expect(await namesIn(after)).toEqual(["New agent"]);
  });

  it("drops every key of the tag, whoever's and whichever route", async () => {
    const [ada, bob] = [newUser(), newUser()];
    const id = seedAgent(ada, "Ada");
    await listOf(ada);
    await listOf(bob);
    await get(`/ai-calling/cache-test/agents/${id}`, ada);
    const keys = [`cache:api:agents:list:${ada}`, `cache:api:agents:list:${bob}`, `cache:api:agents:get:${ada}:id=${id}`];
    expect(await redis().exists(...keys)).toBe(3);

    await create(bob, "Bob's agent");

    expect(await redis().exists(...keys)).toBe(0);
    expect(await redis().exists(tagKey)).toBe(0);
  });

  it("keeps the cache when the write fails", async () => {
    const user = newUser();
    await listOf(user);

    const refused = await ctx.server.call("/ai-calling/cache-test/refused-agents", { method: "POST", headers: { [TEST_USER_HEADER]: user } });

    expect(refused.status).toBe(404);
    expect(await redis().exists(`cache:api:agents:list:${user}`)).toBe(1);
  });
});

describe("a broken cache never fails a request", () => {
  it("answers uncached when Redis is unreachable, and logs it", async () => {
    const user = newUser();
    const ranBefore = runs.listAgentsRedisDown ?? 0;

    const responses = [await get("/ai-calling/cache-test/agents-down", user), await get("/ai-calling/cache-test/agents-down", user)];

    expect(responses.map((response) => response.status)).toEqual([200, 200]);
    expect(responses.map((response) => response.headers.get("x-cache"))).toEqual(["miss", "miss"]);
    expect(runs.listAgentsRedisDown).toBe(ranBefore + 2);
    expect(ctx.logs.entries().filter((entry) => entry.message === "api cache read failed: answering uncached")).toHaveLength(2);
    // Redis was not asked a second time, to store what it could not read.
    expect(ctx.logs.entries().filter((entry) => entry.message === "api cache store failed: answer not cached")).toHaveLength(0);
  });

  it("answers a write when the invalidation cannot reach Redis, and logs it as an error", async () => {
    const response = await ctx.server.post("/ai-calling/cache-test/agents-down", { name: "Ada" }, { [TEST_USER_HEADER]: newUser() });

    expect(response.status).toBe(201);
    expect(ctx.logs.entries().filter((entry) => entry.level === "error" && String(entry.message).startsWith("api cache invalidation failed"))).toHaveLength(1);
  });

  it("answers uncached over an unreadable entry, then replaces it", async () => {
    const user = newUser();
    const key = `cache:api:agents:list:${user}`;
    await redis().set(key, "{not json", { ex: 60 });

    const first = await listOf(user);
    const second = await listOf(user);

    expect(first.status).toBe(200);
    expect(first.headers.get("x-cache")).toBe("miss");
    expect(await first.json()).toEqual({ data: [], nextCursor: null });
    expect(ctx.logs.entries().some((entry) => entry.message === "api cache read failed: answering uncached")).toBe(true);
    expect(second.headers.get("x-cache")).toBe("hit");
  });

  it("still refuses a request without a caller (nothing cached is shared)", async () => {
    const response = await get("/ai-calling/cache-test/agents");

    expect(response.status).toBe(401);
    expect((await readError(response)).code).toBe("UNAUTHORIZED");
  });
});
