/**
 * DelAuto API keys against the stand-in and the test Redis: a key shown once and stored as its
 * hash, verification from the cache, refusals alike for unknown, malformed and inactive keys,
 * deactivation effective at once, exact permissions, usage counted in Redis and flushed exactly,
 * and the key's rate limit as `consume` takes it.
 */
import { createHash } from "node:crypto";
import { ObjectId } from "mongodb";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  API_KEY_PENDING_KEY,
  apiKeyCacheKey,
  apiKeyLastUsedKey,
  apiKeyRateLimit,
  apiKeyUsageKey,
  createApiKey,
  deactivateApiKey,
  flushApiKeyUsage,
  hasPermission,
  recordApiKeyUse,
  verifyApiKey,
} from "#core/auth/api-keys.ts";
import { consume } from "#core/cache/rate-limit.ts";
import { redis } from "#core/cache/redis.ts";
import { database } from "#core/db/client.ts";
import { syncCollections } from "#core/db/sync.ts";
import { apiKeys } from "#core/delauto/api-keys.ts";
import { NotFoundError, UnauthorizedError, ValidationError } from "#core/errors.ts";

const raw = () => database("delauto").collection("apikeys");
const agent = new ObjectId();
const newKey = (extra: Partial<Parameters<typeof createApiKey>[0]> = {}) =>
  createApiKey({ name: "Shop sync", permissions: ["deliveries:read"], createdBy: agent, ...extra });

const rejection = async (promise: Promise<unknown>): Promise<Error> => {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a rejection");
};

const expectRefused = async (promise: Promise<unknown>) => {
  const error = await rejection(promise);
  expect(error).toBeInstanceOf(UnauthorizedError);
  expect((error as UnauthorizedError).statusCode).toBe(401);
  expect(error.message).toBe("invalid API key");
};

beforeAll(async () => {
  await syncCollections({ db: database("delauto"), definitions: [apiKeys] });
});

beforeEach(async () => {
  await raw().deleteMany({});
  await redis().del(API_KEY_PENDING_KEY);
});

describe("createApiKey", () => {
  it("shows the key once and stores only its SHA-256", async () => {
    const { key, document } = await newKey();

    const stored = await raw().findOne({ _id: document._id });

    expect(key).toMatch(/^dak_[A-Za-z0-9_-]{43}$/);
    expect(stored?.key).toBe(createHash("sha256").update(key).digest("hex"));
    expect(JSON.stringify(stored)).not.toContain(key.slice(4));
    expect(apiKeys.toApi(document)).not.toHaveProperty("key");
  });

  it("applies the document's defaults and records the creator", async () => {
    const { document } = await newKey();

    const stored = await raw().findOne({ _id: document._id });

    expect(stored).toMatchObject({
      name: "Shop sync",
      environment: "development",
      permissions: ["deliveries:read"],
      rate_limit: { requests: 1000, period: 900_000 },
      is_active: true,
      usage_count: 0,
    });
    expect(stored?.created_by).toEqual(agent);
  });

  it("issues a different key every time", async () => {
    const [first, second] = await Promise.all([newKey(), newKey()]);

    expect(first.key).not.toBe(second.key);
    expect(first.document.key).not.toBe(second.document.key);
  });

  it("refuses a caller-chosen key hash and an unknown environment", async () => {
    const withHash = await rejection(newKey({ key: "0".repeat(64) } as never));
    const withEnvironment = await rejection(newKey({ environment: "qa" } as never));

    expect(withHash).toBeInstanceOf(ValidationError);
    expect(withEnvironment).toBeInstanceOf(ValidationError);
    expect(await raw().countDocuments()).toBe(0);
  });
});

describe("verifyApiKey", () => {
  it("answers the key's id, name, permissions and rate limit", async () => {
    const { key, document } = await newKey({ permissions: ["deliveries:read", "deliveries:write"], rate_limit: { requests: 60, period: 60_000 } });

    const verified = await verifyApiKey(key);

    expect(verified).toEqual({
      apiKeyId: document._id.toHexString(),
      name: "Shop sync",
      permissions: ["deliveries:read", "deliveries:write"],
      rateLimit: { requests: 60, period: 60_000 },
    });
  });

  it("answers from the Redis cache for 60 seconds without reading MongoDB", async () => {
    const { key, document } = await newKey();
    await verifyApiKey(key);
    await raw().deleteOne({ _id: document._id });

    const verified = await verifyApiKey(key);
    const ttl = await redis().ttl(apiKeyCacheKey(document.key));

    expect(verified.apiKeyId).toBe(document._id.toHexString());
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60);
  });

  it("refuses unknown, malformed and missing keys alike", async () => {
    const { key } = await newKey();
    const unknown = `dak_${"A".repeat(43)}`;

    await expectRefused(verifyApiKey(unknown));
    await expectRefused(verifyApiKey(`${key}x`));
    await expectRefused(verifyApiKey(key.slice(4)));
    await expectRefused(verifyApiKey(""));
    await expectRefused(verifyApiKey(undefined));
  });

  it("refuses a key created inactive, and keeps refusing it from the cache", async () => {
    const { key, document } = await newKey({ is_active: false });

    await expectRefused(verifyApiKey(key));
    await expectRefused(verifyApiKey(key));

    expect(await redis().get(apiKeyCacheKey(document.key))).toEqual({ active: false });
  });
});

describe("deactivateApiKey", () => {
  it("takes effect at once although the key was cached", async () => {
    const { key, document } = await newKey();
    await verifyApiKey(key);

    const deactivated = await deactivateApiKey(document._id);

    expect(deactivated.is_active).toBe(false);
    expect((await raw().findOne({ _id: document._id }))?.is_active).toBe(false);
    await expectRefused(verifyApiKey(key));
  });

  it("lets an agent deactivate only the keys it created, and an admin any", async () => {
    const { key, document } = await newKey();
    const stranger = { userId: new ObjectId(), role: "agent" };
    const admin = { userId: new ObjectId(), role: "admin" };

    const refused = await rejection(deactivateApiKey(document._id, { caller: stranger }));
    const stillValid = await verifyApiKey(key);
    await deactivateApiKey(document._id.toHexString(), { caller: admin });

    expect(refused).toBeInstanceOf(NotFoundError);
    expect(stillValid.apiKeyId).toBe(document._id.toHexString());
    await expectRefused(verifyApiKey(key));
  });
});

describe("hasPermission", () => {
  it("matches permissions exactly (the document names no wildcard)", () => {
    const granted = ["deliveries:read", "customers:write"];

    expect(hasPermission(granted, "deliveries:read")).toBe(true);
    expect(hasPermission(granted, "customers:write")).toBe(true);
    expect(hasPermission(granted, "deliveries:write")).toBe(false);
    expect(hasPermission(["deliveries:*", "*"], "deliveries:read")).toBe(false);
    expect(hasPermission([], "deliveries:read")).toBe(false);
  });
});

describe("usage", () => {
  const storedUsage = async (id: ObjectId) => {
    const doc = await raw().findOne({ _id: id });
    return { usage_count: doc?.usage_count, last_used_at: doc?.last_used_at };
  };

  it("counts uses in Redis and writes nothing to MongoDB until the flush", async () => {
    const { document } = await newKey();
    const id = document._id.toHexString();

    await recordApiKeyUse(id, 1_000);
    await recordApiKeyUse(id, 2_000);

    expect(await redis().get(apiKeyUsageKey(id))).toBe(2);
    expect(await redis().get(apiKeyLastUsedKey(id))).toBe(2_000);
    expect(await storedUsage(document._id)).toEqual({ usage_count: 0, last_used_at: undefined });
  });

  it("moves the counts into usage_count and last_used_at, summing exactly across flushes", async () => {
    const { document } = await newKey();
    const other = (await newKey({ name: "Other" })).document;
    const id = document._id.toHexString();
    const t0 = Date.UTC(2025, 0, 1);

    for (let i = 0; i < 3; i++) await recordApiKeyUse(id, t0 + i);
    await recordApiKeyUse(other._id.toHexString(), t0);
    const first = await flushApiKeyUsage();
    for (let i = 0; i < 4; i++) await recordApiKeyUse(id, t0 + 10 + i);
    const second = await flushApiKeyUsage({ batchSize: 1 });
    const third = await flushApiKeyUsage();

    expect(first).toEqual({ keys: 2, uses: 4 });
    expect(second).toEqual({ keys: 1, uses: 4 });
    expect(third).toEqual({ keys: 0, uses: 0 });
    expect(await storedUsage(document._id)).toEqual({ usage_count: 7, last_used_at: new Date(t0 + 13) });
    expect(await storedUsage(other._id)).toEqual({ usage_count: 1, last_used_at: new Date(t0) });
    expect(await redis().exists(apiKeyUsageKey(id), apiKeyLastUsedKey(id), API_KEY_PENDING_KEY)).toBe(0);
  });

  it("never moves last_used_at back", async () => {
    const { document } = await newKey();
    const id = document._id.toHexString();
    const later = Date.UTC(2025, 5, 1);

    await recordApiKeyUse(id, later);
    await flushApiKeyUsage();
    await recordApiKeyUse(id, later - 60_000);
    await flushApiKeyUsage();

    expect(await storedUsage(document._id)).toEqual({ usage_count: 2, last_used_at: new Date(later) });
  });

  it("loses and doubles nothing when uses and flushes run concurrently", async () => {
    const { document } = await newKey();
    const id = document._id.toHexString();

    const uses = Array.from({ length: 60 }, () => recordApiKeyUse(id));
    const flushes = Array.from({ length: 5 }, () => flushApiKeyUsage());
    const results = await Promise.all([...flushes, ...uses]);
    const last = await flushApiKeyUsage();

    const flushed = results.slice(0, 5).reduce((sum, result) => sum + (result as { uses: number }).uses, last.uses);
    expect(flushed).toBe(60);
    expect((await storedUsage(document._id)).usage_count).toBe(60);
  });

  it("moves updatedAt with the counts, so a racing repository update re-reads them", async () => {
    const { document } = await newKey();
    const before = new Date(Date.UTC(2024, 0, 1));
    await raw().updateOne({ _id: document._id }, { $set: { updatedAt: before } });

    await recordApiKeyUse(document._id.toHexString());
    await flushApiKeyUsage();

    const stored = await raw().findOne({ _id: document._id });
    expect(stored?.updatedAt.getTime()).toBeGreaterThan(before.getTime());
  });
});

describe("apiKeyRateLimit", () => {
  it("maps the document's period in milliseconds to the key's window in seconds", async () => {
    const { key, document } = await newKey();
    const custom = await newKey({ rate_limit: { requests: 60, period: 60_000 } });

    const byDefault = apiKeyRateLimit(await verifyApiKey(key));
    const perMinute = apiKeyRateLimit(await verifyApiKey(custom.key));

    expect(byDefault).toEqual({ key: `ratelimit:delauto:apikey:${document._id.toHexString()}`, limit: 1000, windowSeconds: 900 });
    expect(perMinute).toEqual({ key: `ratelimit:delauto:apikey:${custom.document._id.toHexString()}`, limit: 60, windowSeconds: 60 });
  });

  it("is accepted by consume, which counts against the key's limit", async () => {
    const { key } = await newKey({ rate_limit: { requests: 2, period: 60_000 } });
    const limit = apiKeyRateLimit(await verifyApiKey(key));

    const decisions = [await consume(limit), await consume(limit), await consume(limit)];

    expect(decisions.map((decision) => decision.allowed)).toEqual([true, true, false]);
    expect(decisions[0]).toMatchObject({ limit: 2, remaining: 1 });
  });
});
