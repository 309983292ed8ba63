/**
 * DelAuto API keys (`X-API-Key`): issued once, stored as a hash, verified from a Redis cache,
 * counted in Redis and flushed to MongoDB in batches.
 *
 *   apikey:{sha256 hex}     the key's access, JSON, or `{ active: false }`     TTL 60 s
 *   apikey:usage:{id}       uses not yet in `usage_count`                       until flushed
 *   apikey:lastused:{id}    ms of the latest use not yet in `last_used_at`     until flushed
 *   apikey:pending          ids with counters waiting for the flush (a set)
 *
 * Verify: GET the cache entry (one round trip); on a miss read MongoDB by hash and fill the entry
 * with SET NX. Deactivating overwrites the entry with `{ active: false }` (plain SET) after the
 * MongoDB write, so a verify that read the key just before cannot put it back: its NX fails.
 *
 * Usage: `usage_count` and `last_used_at` change on every request, and a MongoDB write per request
 * would make the hottest keys' document the bottleneck. A request only INCRs and SETs in Redis;
 * `flushApiKeyUsage` (called by a cron) moves the counters with GETDEL into one bulk write.
 */
import { createHash, randomBytes } from "node:crypto";
import { MongoBulkWriteError, ObjectId, type AnyBulkWriteOperation, type Filter } from "mongodb";
import type { z } from "zod";
import type { ConsumeOptions } from "../cache/rate-limit.ts";
import { rateLimitKey } from "../cache/rate-limit.ts";
import { redis } from "../cache/redis.ts";
import { translateDriverError, withDriverErrors } from "../db/errors.ts";
import { openRepository, type Caller } from "../db/repository.ts";
import { apiKeys, DEFAULT_API_KEY_RATE_LIMIT, type ApiKey } from "../delauto/api-keys.ts";
import { UnauthorizedError, UnavailableError, ValidationError } from "../errors.ts";
import { log } from "../log.ts";

export const API_KEY_PREFIX = "dak_";
/** `dak_` and 32 random bytes in base64url (43 characters). */
const KEY_FORMAT = /^dak_[A-Za-z0-9_-]{43}$/;
export const API_KEY_CACHE_TTL_SECONDS = 60;
/** One message for unknown, malformed and inactive keys: the answer says nothing about which. */
const REFUSED = "invalid API key";

export const apiKeyCacheKey = (hash: string): string => `apikey:${hash}`;
export const apiKeyUsageKey = (id: string): string => `apikey:usage:${id}`;
export const apiKeyLastUsedKey = (id: string): string => `apikey:lastused:${id}`;
export const API_KEY_PENDING_KEY = "apikey:pending";

/** What a verified key grants; `rateLimit.period` in ms, as the document stores it. */
export interface VerifiedApiKey {
  apiKeyId: string;
  name: string;
  permissions: string[];
  rateLimit: { requests: number; period: number };
}

type CacheEntry = ({ active: true } & VerifiedApiKey) | { active: false };

/** Fields the server sets (`omitPaths` keeps the schema's static type, so they are left out here too). */
type ServerManaged = "_id" | "key" | "created_by" | "usage_count" | "last_used_at" | "createdAt" | "updatedAt";

/** The document's own fields (as `POST` takes them) and the agent creating the key. */
export type CreateApiKeyInput = Omit<z.input<typeof apiKeys.createInput>, ServerManaged> & { createdBy: ObjectId | string };

export interface CreatedApiKey {
  /** The plaintext key: in this answer only, never stored. */
  key: string;
  /** The stored document; its `key` is the hash (a secret path, left out by `apiKeys.toApi`). */
  document: ApiKey;
}

/**
 * SHA-256, not bcrypt: the key carries 256 random bits, so no guess list or brute force can
 * reach it and a slow hash would only add latency to every request. A deterministic hash is also
 * what lets the key be found by an indexed equality lookup (and the lookup by hash leaks nothing
 * useful through timing: learning a hash prefix does not help find a preimage).
 */
export const hashApiKey = (plaintext: string): string => createHash("sha256").update(plaintext).digest("hex");

/**
 * Creates a key for `createdBy` (its owner). The plaintext is returned once and only its hash stored.
 * @example
 * const { key, document } = await createApiKey({ name: "Shop sync", permissions: ["deliveries:read"], createdBy: agentId });
 * return created({ ...apiKeys.toApi(document), key });
 */
export async function createApiKey({ createdBy, ...fields }: CreateApiKeyInput): Promise<CreatedApiKey> {
  const parsed = apiKeys.createInput.safeParse(fields);
  if (!parsed.success) {
    throw new ValidationError(parsed.error.issues.map((issue) => ({ path: issue.path.map(String).join("."), message: issue.message })));
  }
  const key = `${API_KEY_PREFIX}${randomBytes(32).toString("base64url")}`;
  const owner = createdBy instanceof ObjectId ? createdBy : ObjectId.createFromHexString(createdBy);
  const document = await openRepository(apiKeys).create(parsed.data, {
    set: { key: hashApiKey(key), created_by: owner, usage_count: 0 },
  });
  return { key, document };
}

/**
 * The access of the key in `X-API-Key`, or `UnauthorizedError` (malformed, unknown or inactive,
 * all alike). A cached answer costs one Redis GET; Redis being down falls back to MongoDB.
 * @example
 * const apiKey = await verifyApiKey(header(event, "x-api-key"));
 * if (!hasPermission(apiKey.permissions, "deliveries:read")) throw new ForbiddenError();
 */
export async function verifyApiKey(plaintext: string | undefined): Promise<VerifiedApiKey> {
  if (typeof plaintext !== "string" || !KEY_FORMAT.test(plaintext)) throw new UnauthorizedError(REFUSED);
  const hash = hashApiKey(plaintext);

  const cached = await readCache(hash);
  if (cached) return granted(cached);

  const doc = await withDriverErrors(() => openRepository(apiKeys).collection.findOne({ key: hash } as Filter<ApiKey>));
  if (!doc) throw new UnauthorizedError(REFUSED);
  const entry = cacheEntryOf(doc as ApiKey);
  await writeCache(hash, entry, { onlyIfAbsent: true });
  return granted(entry);
}

/** Whether `granted` holds `needed`. The document names no wildcard, so the match is exact. */
export function hasPermission(granted: readonly string[], needed: string): boolean {
  return granted.includes(needed);
}

/**
 * Deactivates a key (owner-scoped when `caller` is given) and makes it refused at once: the cache
 * entry is overwritten before this returns. Throws `UnavailableError` when Redis cannot be told
 * (the key is already inactive in MongoDB; retrying is safe).
 */
export async function deactivateApiKey(id: ObjectId | string, { caller }: { caller?: Caller } = {}): Promise<ApiKey> {
  const doc = await openRepository(apiKeys, { caller }).update(id, { is_active: false });
  await cacheApiKeyState(doc);
  return doc;
}

/**
 * Puts a key's current state in the cache, replacing what is there. Call it after any write
 * that changes a key's access (active flag, permissions, rate limit).
 */
export async function cacheApiKeyState(doc: ApiKey): Promise<void> {
  try {
    await writeCache(doc.key, cacheEntryOf(doc), { onlyIfAbsent: false, strict: true });
  } catch (error) {
    log.error("apikeys: a key changed in MongoDB but its cache entry could not be replaced", { apiKeyId: String(doc._id), error });
    throw new UnavailableError("The API key cache is unavailable; retry", 5, { cause: error });
  }
}

/**
 * Counts one use of a key (per request: one Redis transaction, no MongoDB write). A failure is
 * logged, not thrown: a request is not refused because its use could not be counted.
 */
export async function recordApiKeyUse(apiKeyId: string, now: number = Date.now()): Promise<void> {
  try {
    await redis().multi().incr(apiKeyUsageKey(apiKeyId)).set(apiKeyLastUsedKey(apiKeyId), now).sadd(API_KEY_PENDING_KEY, apiKeyId).exec();
  } catch (error) {
    log.warn("apikeys: a use could not be counted (Redis unreachable)", { apiKeyId, error });
  }
}

/**
 * Moves the Redis usage counters into `usage_count` (`$inc`) and `last_used_at` (`$max`), for the
 * usage cron. Each id leaves the pending set (SPOP) before its counters are read with GETDEL, so
 * a use counted in between re-adds the id and is flushed next time: nothing is lost or counted
 * twice. If MongoDB refuses a batch, its counts are put back in Redis and the error rethrown.
 * `updatedAt` moves too, so a repository update racing the flush retries instead of replacing
 * the new count with the one it read.
 * @example
 * const { keys, uses } = await flushApiKeyUsage();
 */
export async function flushApiKeyUsage({ batchSize = 500 }: { batchSize?: number } = {}): Promise<{ keys: number; uses: number }> {
  const totals = { keys: 0, uses: 0 };
  for (;;) {
    const popped = await redis().spop<string[]>(API_KEY_PENDING_KEY, batchSize);
    const ids = (popped ?? []).map(String);
    if (ids.length === 0) return totals;

    const tx = redis().multi();
    for (const id of ids) tx.getdel(apiKeyUsageKey(id)).getdel(apiKeyLastUsedKey(id));
    const values = (await tx.exec()) as unknown[];
    const batch = ids
      .map((id, i) => ({ id, uses: Number(values[2 * i] ?? 0), lastUsed: values[2 * i + 1] == null ? undefined : Number(values[2 * i + 1]) }))
      .filter((entry) => entry.uses > 0 || entry.lastUsed !== undefined);
    if (batch.length === 0) continue;

    await writeUsage(batch);
    totals.keys += batch.length;
    totals.uses += batch.reduce((sum, entry) => sum + entry.uses, 0);
  }
}

interface UsageEntry {
  id: string;
  uses: number;
  lastUsed?: number;
}

async function writeUsage(batch: UsageEntry[]): Promise<void> {
  const now = new Date();
  const valid = batch.filter((entry) => ObjectId.isValid(entry.id) && /^[0-9a-f]{24}$/i.test(entry.id));
  if (valid.length < batch.length) log.warn("apikeys: usage counters under ids that are not ObjectIds were dropped", { ids: batch.filter((e) => !valid.includes(e)).map((e) => e.id) });
  const operations: AnyBulkWriteOperation<ApiKey>[] = valid.map(({ id, uses, lastUsed }) => ({
    updateOne: {
      filter: { _id: ObjectId.createFromHexString(id) } as Filter<ApiKey>,
      update: {
        $inc: { usage_count: uses },
        ...(lastUsed !== undefined && { $max: { last_used_at: new Date(lastUsed) } }),
        $set: { updatedAt: now },
      } as never,
    },
  }));
  if (operations.length === 0) return;
  try {
    await openRepository(apiKeys).collection.bulkWrite(operations, { ordered: false });
  } catch (error) {
    // Only the operations MongoDB reports as failed go back; the others were applied.
    const failed = error instanceof MongoBulkWriteError ? [error.writeErrors].flat().map((writeError) => valid[writeError.index]) : valid;
    await restoreUsage(failed.filter(Boolean));
    throw translateDriverError(error);
  }
}

async function restoreUsage(entries: UsageEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const tx = redis().multi();
  for (const { id, uses, lastUsed } of entries) {
    if (uses > 0) tx.incrby(apiKeyUsageKey(id), uses);
    // NX: a use recorded since the GETDEL is newer than ours.
    if (lastUsed !== undefined) tx.set(apiKeyLastUsedKey(id), lastUsed, { nx: true });
    tx.sadd(API_KEY_PENDING_KEY, id);
  }
  try {
    await tx.exec();
  } catch (error) {
    log.error("apikeys: usage counts could not be written to MongoDB nor put back in Redis; they are lost", { entries, error });
  }
}

/**
 * The key's own rate limit, as `consume` takes it (`ratelimit:delauto:apikey:{id}`).
 * @example
 * const decision = await consume(apiKeyRateLimit(apiKey));
 */
export function apiKeyRateLimit(apiKey: Pick<VerifiedApiKey, "apiKeyId" | "rateLimit">): Pick<ConsumeOptions, "key" | "limit" | "windowSeconds"> {
  return {
    key: rateLimitKey("delauto", "apikey", apiKey.apiKeyId),
    limit: apiKey.rateLimit.requests,
    windowSeconds: apiKey.rateLimit.period / 1000,
  };
}

function cacheEntryOf(doc: ApiKey): CacheEntry {
  // Mongoose's default: a key stored without `is_active` is active.
  if (doc.is_active === false) return { active: false };
  return {
    active: true,
    apiKeyId: doc._id.toHexString(),
    name: doc.name,
    permissions: doc.permissions ?? [],
    rateLimit: {
      requests: doc.rate_limit?.requests ?? DEFAULT_API_KEY_RATE_LIMIT.requests,
      period: doc.rate_limit?.period ?? DEFAULT_API_KEY_RATE_LIMIT.period,
    },
  };
}

function granted(entry: CacheEntry): VerifiedApiKey {
  if (!entry.active) throw new UnauthorizedError(REFUSED);
  const { apiKeyId, name, permissions, rateLimit } = entry;
  return { apiKeyId, name, permissions, rateLimit };
}

/** The cached entry, or undefined on a miss or when Redis is unreachable (MongoDB then answers). */
async function readCache(hash: string): Promise<CacheEntry | undefined> {
  try {
    const entry = await redis().get<CacheEntry>(apiKeyCacheKey(hash));
    return entry && typeof entry === "object" && typeof entry.active === "boolean" ? entry : undefined;
  } catch (error) {
    log.warn("apikeys: cache unreachable, reading the key from MongoDB", { error });
    return undefined;
  }
}

async function writeCache(hash: string, entry: CacheEntry, { onlyIfAbsent, strict = false }: { onlyIfAbsent: boolean; strict?: boolean }): Promise<void> {
  try {
    const key = apiKeyCacheKey(hash);
    if (onlyIfAbsent) await redis().set(key, entry, { ex: API_KEY_CACHE_TTL_SECONDS, nx: true });
    else await redis().set(key, entry, { ex: API_KEY_CACHE_TTL_SECONDS });
  } catch (error) {
    if (strict) throw error;
    log.warn("apikeys: cache unreachable, the key was not cached", { error });
  }
}
