/**
 * Rate limits over real HTTP and against the real redis-server: the documented keys hold the
 * count and its TTL, the limit answers 429 with Retry-After, every answer of the route carries
 * the RateLimit headers, the sliding window slides, and an unreachable Redis fails open or closed
 * as the route's policy says.
 */
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { consume, RateLimitUnavailableError } from "#core/cache/rate-limit.ts";
import { redis } from "#core/cache/redis.ts";
import { runs } from "#test/fixtures/cache/handlers.ts";
import { OUTBOUND_LIMIT, RUN, SLIDING_WINDOW_SECONDS, cacheRoutes } from "#test/fixtures/cache/routes.ts";
import { TEST_USER_HEADER, unreachableRedis } from "#test/fixtures/cache/stack.ts";
import { readError, useTestServer } from "#test/fixtures/http/server.ts";

const ctx = useTestServer(cacheRoutes);

const newUser = () => randomBytes(12).toString("hex");
const as = (user: string) => ({ [TEST_USER_HEADER]: user });
const outbound = (user: string) => ctx.server.call("/ai-calling/rl-test/calls/outbound", { method: "POST", headers: as(user) });
const rateLimitHeaders = (response: Response) => ({
  limit: response.headers.get("ratelimit-limit"),
  remaining: response.headers.get("ratelimit-remaining"),
  reset: Number(response.headers.get("ratelimit-reset")),
});

describe("the documented keys", () => {
  it("counts AI Calling requests under ratelimit:{endpoint}:{userId}, holding the count with the window as TTL", async () => {
    const user = newUser();

    await outbound(user);
    await outbound(user);

    const key = `ratelimit:calls:outbound:${user}`;
    expect(await redis().get(key)).toBe(2);
    expect(await redis().ttl(key)).toBeGreaterThan(895);
    expect(await redis().ttl(key)).toBeLessThanOrEqual(900);
  });

  it("counts AutoMedia requests under rate_limit:{userId}:{endpoint}", async () => {
    const user = newUser();

    const response = await ctx.server.call("/automedia/rl-test/posts", { headers: as(user) });

    expect(response.status).toBe(200);
    expect(await redis().get(`rate_limit:${user}:posts:list`)).toBe(1);
  });

  it("counts a public route per client IP", async () => {
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await ctx.server.call("/ai-calling/rl-test/by-ip")).status);

    expect(statuses).toEqual([200, 200, 429]);
    expect(await redis().get(`ratelimit:rl-test-${RUN}:ip:127.0.0.1`)).toBe(3);
  });
});

describe("the limit", () => {
  it("sends RateLimit-Limit, -Remaining and -Reset on a 2xx", async () => {
    const response = await outbound(newUser());

    expect(response.status).toBe(200);
    const headers = rateLimitHeaders(response);
    expect(headers).toMatchObject({ limit: String(OUTBOUND_LIMIT), remaining: String(OUTBOUND_LIMIT - 1) });
    expect(headers.reset).toBeGreaterThan(895);
    expect(headers.reset).toBeLessThanOrEqual(900);
  });

  it("answers 429 RATE_LIMITED with Retry-After once the limit is used, without running the handler", async () => {
    const user = newUser();
    for (let i = 0; i < OUTBOUND_LIMIT; i++) expect((await outbound(user)).status).toBe(200);
    const ranBefore = runs.outboundCall;

    const response = await outbound(user);
    const error = await readError(response);

    expect(response.status).toBe(429);
    expect(error.code).toBe("RATE_LIMITED");
    expect(runs.outboundCall).toBe(ranBefore);
    const headers = rateLimitHeaders(response);
    expect(headers).toMatchObject({ limit: String(OUTBOUND_LIMIT), remaining: "0" });
    expect(Number(response.headers.get("retry-after"))).toBe(headers.reset);
    expect(response.headers.get("x-request-id")).toBe(error.requestId);
  });

  it("sends the RateLimit headers on an error answer of the handler", async () => {
    const response = await ctx.server.call("/ai-calling/rl-test/missing", { headers: as(newUser()) });

    expect(response.status).toBe(404);
    expect((await readError(response)).code).toBe("NOT_FOUND");
    expect(rateLimitHeaders(response)).toMatchObject({ limit: "5", remaining: "4" });
  });

  it("counts each caller on their own", async () => {
    const busy = newUser();
    for (let i = 0; i <= OUTBOUND_LIMIT; i++) await outbound(busy);

    const response = await outbound(newUser());

    expect(response.status).toBe(200);
    expect(response.headers.get("ratelimit-remaining")).toBe(String(OUTBOUND_LIMIT - 1));
  });
});

describe("the sliding window", () => {
  it("refuses the request over the limit and lets one through once the oldest has left the window", async () => {
    const user = newUser();
    const call = () => ctx.server.call("/ai-calling/rl-test/sliding", { headers: as(user) });

    const first = [(await call()).status, (await call()).status];
    const refused = await call();
    await sleep(SLIDING_WINDOW_SECONDS * 1000 + 100);
    const later = await call();

    expect(first).toEqual([200, 200]);
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("1");
    expect(later.status).toBe(200);
    expect(await redis().zcard(`ratelimit:rl-test:sliding:${user}`)).toBe(1);
  });

  it("counts the requests of the last window, not of a window fixed at the first request", async () => {
    const key = `ratelimit:rl-test:slide-clock:${newUser()}`;
    const at = (seconds: number) => consume({ key, limit: 2, windowSeconds: 10, algorithm: "sliding", now: 1_000_000 + seconds * 1000 });

    const decisions = [await at(0), await at(4), await at(6), await at(10.5), await at(11)];

    expect(decisions.map((decision) => decision.allowed)).toEqual([true, true, false, true, false]);
    // Refused at 6 s: the request of 0 s leaves the window at 10 s.
    expect(decisions[2]).toMatchObject({ remaining: 0, resetSeconds: 4 });
    // At 11 s a window fixed at 0 s would have restarted and let it through; 4 s and 10.5 s still count.
    expect(decisions[4]).toMatchObject({ remaining: 0, resetSeconds: 3 });
  });

  it("takes over a key the fixed window left, when a policy changes algorithm", async () => {
    const key = `ratelimit:rl-test:changed:${newUser()}`;
    await consume({ key, limit: 5, windowSeconds: 60 });

    const decision = await consume({ key, limit: 5, windowSeconds: 60, algorithm: "sliding" });

    expect(decision).toMatchObject({ allowed: true, remaining: 4 });
  });
});

describe("the fixed window", () => {
  it("starts counting again once the key has expired", async () => {
    const key = `ratelimit:rl-test:expiry:${newUser()}`;
    const take = () => consume({ key, limit: 1, windowSeconds: 0.2 });

    const first = await take();
    const second = await take();
    await sleep(300);
    const third = await take();

    expect([first.allowed, second.allowed, third.allowed]).toEqual([true, false, true]);
    expect(third.remaining).toBe(0);
  });
});

describe("when Redis is unreachable", () => {
  it("raises RateLimitUnavailableError from consume", async () => {
    await expect(consume({ key: "ratelimit:x:y", limit: 1, windowSeconds: 60, client: unreachableRedis() })).rejects.toBeInstanceOf(RateLimitUnavailableError);
  });

  it("lets requests through on a route that fails open, and says so in the log", async () => {
    const user = newUser();
    const ranBefore = runs.failOpen ?? 0;

    const responses = [await ctx.server.call("/ai-calling/rl-test/fail-open", { headers: as(user) }), await ctx.server.call("/ai-calling/rl-test/fail-open", { headers: as(user) })];

    expect(responses.map((response) => response.status)).toEqual([200, 200]);
    expect(runs.failOpen).toBe(ranBefore + 2);
    expect(responses[0].headers.get("ratelimit-limit")).toBeNull();
    const warnings = ctx.logs.entries().filter((entry) => entry.message === "rate limit skipped: redis unreachable (failing open)");
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatchObject({ level: "warn", route: "GET /ai-calling/rl-test/fail-open", key: `ratelimit:rl-test:open:${user}` });
  });

  it("answers 503 UNAVAILABLE with Retry-After on a route that fails closed, and says so in the log", async () => {
    const ranBefore = runs.failClosed ?? 0;

    const response = await ctx.server.call("/ai-calling/rl-test/fail-closed", { headers: as(newUser()) });
    const error = await readError(response);

    expect(response.status).toBe(503);
    expect(error.code).toBe("UNAVAILABLE");
    expect(Number(response.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(runs.failClosed ?? 0).toBe(ranBefore);
    expect(ctx.logs.entries().some((entry) => entry.message === "rate limit refused the request: redis unreachable (failing closed)")).toBe(true);
  });
});
