/**
 * The Redis key patterns and the middlewares' option checks, without a network: AI Calling's and
 * AutoMedia's documented rate-limit keys, the canonical `{params}` of a cached answer, the
 * idempotency key, its header's rules and the request fingerprint.
 */
import { describe, expect, it } from "vitest";
import { apiCacheKey, apiCacheTagKey, canonicalParams } from "#core/cache/api-cache.ts";
import { idempotencyKey, isValidIdempotencyKey, requestFingerprint } from "#core/cache/idempotency.ts";
import { rateLimitKey } from "#core/cache/rate-limit.ts";
import { apiCache } from "#core/http/middleware/api-cache.ts";
import { idempotency } from "#core/http/middleware/idempotency.ts";
import { rateLimit } from "#core/http/middleware/rate-limit.ts";
import type { RateLimitPolicy } from "#core/http/route.ts";

const USER = "64f8a1b2c3d4e5f6a7b8c9d0";

describe("rateLimitKey", () => {
  it("builds AI Calling's documented ratelimit:{endpoint}:{userId}", () => {
    expect(rateLimitKey("ai-calling", "calls:outbound", USER)).toBe(`ratelimit:calls:outbound:${USER}`);
  });

  it("builds AutoMedia's documented rate_limit:{userId}:{endpoint}", () => {
    expect(rateLimitKey("automedia", "generations:create", USER)).toBe(`rate_limit:${USER}:generations:create`);
  });

  it("names the system for the systems that document no pattern", () => {
    expect(rateLimitKey("delauto", "deliveries:list", USER)).toBe(`ratelimit:delauto:deliveries:list:${USER}`);
    expect(rateLimitKey("car-sales", "x", USER)).toBe(`ratelimit:car-sales:x:${USER}`);
    expect(rateLimitKey("sales-automation", "x", USER)).toBe(`ratelimit:sales-automation:x:${USER}`);
  });

  it("refuses an empty endpoint or id", () => {
    expect(() => rateLimitKey("ai-calling", "", USER)).toThrow(TypeError);
    expect(() => rateLimitKey("ai-calling", "calls", "")).toThrow(TypeError);
  });
});

describe("API cache keys", () => {
  it("gives the documented example for a caller's list without parameters", () => {
    expect(apiCacheKey("agents:list", canonicalParams({ callerId: USER }))).toBe(`cache:api:agents:list:${USER}`);
  });

  it("sorts query parameters, so their order does not matter", () => {
    const one = canonicalParams({ callerId: USER, query: { status: "active", limit: "5" } });
    const other = canonicalParams({ callerId: USER, query: { limit: "5", status: "active" } });

    expect(one).toBe(`${USER}?limit=5&status=active`);
    expect(other).toBe(one);
  });

  it("puts path parameters after the caller and before the query", () => {
    expect(canonicalParams({ callerId: USER, pathParameters: { id: "65aa" }, query: { fields: "name" } })).toBe(`${USER}:id=65aa?fields=name`);
  });

  it("shares a public answer under `public`", () => {
    expect(canonicalParams({ query: { page: "2" } })).toBe("public?page=2");
  });

  it("percent-encodes values, so no value can pass for a separator", () => {
    const sneaky = canonicalParams({ callerId: USER, query: { status: "a&limit=5" } });

    expect(sneaky).toBe(`${USER}?status=a%26limit%3D5`);
    expect(sneaky).not.toBe(canonicalParams({ callerId: USER, query: { status: "a", limit: "5" } }));
  });

  it("skips absent values", () => {
    expect(canonicalParams({ callerId: USER, query: { status: undefined } })).toBe(USER);
  });

  it("keeps one tag index per system and covered resource", () => {
    expect(apiCacheTagKey("ai-calling", "agents")).toBe("cache:api:tag:ai-calling:agents");
  });
});

describe("idempotency keys", () => {
  it("is scoped by system and caller", () => {
    expect(idempotencyKey("ai-calling", USER, "3f1c-42")).toBe(`idempotency:ai-calling:${USER}:3f1c-42`);
  });

  it("accepts 1 to 255 printable ASCII characters", () => {
    expect(isValidIdempotencyKey("a")).toBe(true);
    expect(isValidIdempotencyKey("x".repeat(255))).toBe(true);
    expect(isValidIdempotencyKey("b1e2c3d4-0000-4000-8000-000000000000")).toBe(true);
  });

  it("refuses empty, blank, too long, control and non-ASCII keys", () => {
    for (const bad of ["", "   ", "x".repeat(256), "a\tb", "a\nb", "clé"]) expect(isValidIdempotencyKey(bad)).toBe(false);
  });

  it("fingerprints the body, the path and the query", () => {
    const base = { method: "POST", path: "/ai-calling/calls", query: "", body: '{"amount":10}' };
    const fingerprint = requestFingerprint(base);

    expect(fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(requestFingerprint({ ...base, body: Buffer.from('{"amount":10}') })).toBe(fingerprint);
    expect(requestFingerprint({ ...base, body: '{"amount":11}' })).not.toBe(fingerprint);
    expect(requestFingerprint({ ...base, path: "/ai-calling/refunds" })).not.toBe(fingerprint);
    expect(requestFingerprint({ ...base, query: "dryRun=true" })).not.toBe(fingerprint);
  });
});

describe("middleware options are checked when the stack is built", () => {
  const policy: RateLimitPolicy = { endpoint: "calls:outbound", limit: 10, windowSeconds: 900, by: "caller", whenRedisDown: "closed" };

  it("refuses a rate limit policy that cannot work", () => {
    expect(() => rateLimit({ system: "ai-calling", policy: { ...policy, limit: 0 } })).toThrow(/limit/);
    expect(() => rateLimit({ system: "ai-calling", policy: { ...policy, windowSeconds: 0 } })).toThrow(/windowSeconds/);
    expect(() => rateLimit({ system: "ai-calling", policy: { ...policy, endpoint: "" } })).toThrow(/endpoint/);
    expect(() => rateLimit({ system: "ai-calling", policy: { ...policy, whenRedisDown: "maybe" as "open" } })).toThrow(/whenRedisDown/);
  });

  it("refuses a cache TTL outside 60–300 s, and caching a write", () => {
    const route = { method: "GET" as const, path: "/ai-calling/agents", auth: { kind: "user" as const } };
    const cache = { route: "agents:list", covers: "agents" };

    expect(() => apiCache({ system: "ai-calling", route: { ...route, cache: { ...cache, ttlSeconds: 59 } } })).toThrow(/60 to 300/);
    expect(() => apiCache({ system: "ai-calling", route: { ...route, cache: { ...cache, ttlSeconds: 301 } } })).toThrow(/60 to 300/);
    expect(() => apiCache({ system: "ai-calling", route: { ...route, method: "POST", cache: { ...cache, ttlSeconds: 60 } } })).toThrow(/only GET/);
    expect(() => apiCache({ system: "ai-calling", route })).toThrow(/neither cache nor invalidates/);
    expect(() => apiCache({ system: "ai-calling", route: { ...route, cache: { ...cache, ttlSeconds: 60 } } })).not.toThrow();
  });

  it("refuses idempotency options that cannot work", () => {
    expect(() => idempotency({ system: "ai-calling", lockSeconds: 0 })).toThrow(/lockSeconds/);
    expect(() => idempotency({ system: "ai-calling", whenRedisDown: "later" as "open" })).toThrow(/whenRedisDown/);
  });
});
