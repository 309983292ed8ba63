/**
 * The API response cache: AI Calling documents `cache:api:{route}:{params}` holding the JSON
 * answer for 60–300 s, and every system uses the same shape. Each stored key is also listed
 * under its tags (`cache:api:tag:{system}:{covers}`), so a write can drop every cached read it
 * makes stale without scanning the keyspace.
 */
import type { Redis } from "@upstash/redis";
import type { SystemSlug } from "../systems.ts";
import { redis } from "./redis.ts";

/** The documented bounds of a cached answer's TTL, in seconds. */
export const API_CACHE_TTL_SECONDS = { min: 60, max: 300 } as const;

/** A key held something that is not a JSON answer (written by hand, or by something else). */
export class UnreadableCacheEntryError extends Error {
  constructor(key: string) {
    super(`cache entry ${key} is not a JSON answer`);
    this.name = "UnreadableCacheEntryError";
  }
}

/** @example apiCacheKey("agents:list", "64f8a1b2c3d4e5f6a7b8c9d0") // "cache:api:agents:list:64f8a1b2c3d4e5f6a7b8c9d0" */
export const apiCacheKey = (route: string, params: string): string => `cache:api:${route}:${params}`;

/** The index of every cached key that covers `covers` (e.g. `agents`) in a system. */
export const apiCacheTagKey = (system: SystemSlug, covers: string): string => `cache:api:tag:${system}:${covers}`;

/**
 * A route's `covers` (or `invalidates` entry) for one caller: `{caller}` becomes their id;
 * undefined when the tag names a caller and there is none.
 * @example coversFor("agents:{caller}", "64f8…") // "agents:64f8…"
 */
export function coversFor(covers: string, callerId: string | undefined): string | undefined {
  if (!covers.includes("{caller}")) return covers;
  return callerId === undefined ? undefined : covers.replaceAll("{caller}", callerId);
}

type Params = Record<string, string | undefined>;

/**
 * The `{params}` part: whose answer it is (the caller's id, or `public`), then the path parameters
 * after `:`, then the query after `?`, each sorted by name and percent-encoded, so the same
 * request always gives the same key and no value can pass for a separator.
 * @example
 * canonicalParams({ callerId: "64f8…", pathParameters: { id: "65aa…" }, query: { status: "active", limit: "5" } })
 * // "64f8…:id=65aa…?limit=5&status=active"
 */
export function canonicalParams({ callerId, pathParameters = {}, query = {} }: { callerId?: string; pathParameters?: Params; query?: Params }): string {
  const path = sortedPairs(pathParameters);
  const search = sortedPairs(query);
  return `${callerId ?? "public"}${path && `:${path}`}${search && `?${search}`}`;
}

function sortedPairs(record: Params): string {
  return Object.keys(record)
    .filter((name) => record[name] !== undefined)
    .sort()
    .map((name) => `${encodeURIComponent(name)}=${encodeURIComponent(record[name] as string)}`)
    .join("&");
}

/**
 * The cached answer's JSON text, or undefined on a miss.
 * @throws UnreadableCacheEntryError when the key holds something else.
 */
export async function readAnswer({ key, client = redis() }: { key: string; client?: Redis }): Promise<string | undefined> {
  // The client parses JSON replies itself; a string back means the stored text was not JSON
  // (our answers are objects or arrays, never bare strings).
  const value = await client.get<unknown>(key);
  if (value === null) return undefined;
  if (typeof value === "string") throw new UnreadableCacheEntryError(key);
  return JSON.stringify(value);
}

/**
 * Stores a JSON answer for `ttlSeconds` and lists it under each tag, in one transaction: a key
 * stored without its index entry could never be invalidated.
 * @example
 * await storeAnswer({ key, body: JSON.stringify(page), ttlSeconds: 60, tags: [apiCacheTagKey("ai-calling", "agents")] });
 */
export async function storeAnswer(options: { key: string; body: string; ttlSeconds: number; tags: string[]; client?: Redis; now?: number }): Promise<void> {
  const { key, body, ttlSeconds, tags, client = redis(), now = Date.now() } = options;
  const transaction = client.multi().set(key, body, { ex: ttlSeconds });
  for (const tag of tags) {
    // A sorted set scored by expiry, so entries whose key has expired are pruned as others arrive;
    // the index itself outlives the longest TTL any key in it can have.
    transaction.zadd(tag, { score: now + ttlSeconds * 1000, member: key });
    transaction.zremrangebyscore(tag, "-inf", now);
    transaction.expire(tag, API_CACHE_TTL_SECONDS.max);
  }
  await transaction.exec();
}

/** Reads each tag's keys and deletes them and the tag, atomically, so no key added meanwhile is missed. */
const INVALIDATE = `
local removed = 0
for _, tag in ipairs(KEYS) do
  local keys = redis.call("ZRANGE", tag, 0, -1)
  for first = 1, #keys, 500 do
    removed = removed + redis.call("DEL", unpack(keys, first, math.min(first + 499, #keys)))
  end
  redis.call("DEL", tag)
end
return removed`;

/**
 * Drops every cached answer listed under the tags; resolves to how many were still cached.
 * @example
 * await invalidate({ tags: [apiCacheTagKey("ai-calling", "agents")] });
 */
export async function invalidate({ tags, client = redis() }: { tags: string[]; client?: Redis }): Promise<number> {
  if (tags.length === 0) return 0;
  return Number(await client.eval(INVALIDATE, tags, []));
}
