/**
 * Rate-limit counters in Redis under each system's documented key, decided in one round trip.
 *
 * Why not `@upstash/ratelimit`: its limiters name keys `{prefix}:{identifier}:{window index}`
 * (`fixedWindow` builds `[identifier, bucket].join(":")`), so AI Calling's documented
 * `ratelimit:calls:outbound:{userId}`, holding the request count with a 900 s TTL, cannot be
 * produced with it. Two short Lua scripts, run with EVAL, keep the documented keys and stay atomic.
 */
import { randomBytes } from "node:crypto";
import type { Redis } from "@upstash/redis";
import type { SystemSlug } from "../systems.ts";
import { redis } from "./redis.ts";

export type RateLimitAlgorithm = "fixed" | "sliding";

export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  /** Requests left in the window (0 once refused). */
  remaining: number;
  /** Seconds until the window ends (fixed) or until the oldest counted request leaves it (sliding). */
  resetSeconds: number;
}

export interface ConsumeOptions {
  key: string;
  limit: number;
  windowSeconds: number;
  algorithm?: RateLimitAlgorithm;
  /** The container's client unless given (tests pass one that cannot connect). */
  client?: Redis;
  /** The sliding window's clock, in ms; the caller's `Date.now()` unless given. */
  now?: number;
}

/** Redis could not be asked (unreachable, or it answered something unexpected). */
export class RateLimitUnavailableError extends Error {
  readonly key: string;

  constructor(key: string, options: { cause?: unknown } = {}) {
    super(`rate limit counter ${key} could not be read`, options);
    this.name = "RateLimitUnavailableError";
    this.key = key;
  }
}

/**
 * The counter's key. AI Calling documents `ratelimit:{endpoint}:{userId}` and AutoMedia
 * `rate_limit:{userId}:{endpoint}`; the other three systems document none, so they get
 * `ratelimit:{system}:{endpoint}:{id}`, the system named so their counters never meet.
 * @example
 * rateLimitKey("ai-calling", "calls:outbound", "64f8a1b2c3d4e5f6a7b8c9d0"); // "ratelimit:calls:outbound:64f8a1b2c3d4e5f6a7b8c9d0"
 */
export function rateLimitKey(system: SystemSlug, endpoint: string, id: string): string {
  if (endpoint === "" || id === "") throw new TypeError("rateLimitKey: endpoint and id must not be empty");
  if (system === "ai-calling") return `ratelimit:${endpoint}:${id}`;
  if (system === "automedia") return `rate_limit:${id}:${endpoint}`;
  return `ratelimit:${system}:${endpoint}:${id}`;
}

// A key left by the other algorithm (a policy changed between deploys) is replaced rather than
// failing every request with WRONGTYPE until it expires.
const REPLACE_OTHER_TYPE = (wanted: string) => `
local kind = redis.call("TYPE", KEYS[1])
if type(kind) == "table" then kind = kind.ok end
if kind ~= "none" and kind ~= "${wanted}" then redis.call("DEL", KEYS[1]) end`;

/** The documented string counter: INCR, a TTL set on the first hit (or repaired), count and PTTL back. */
const FIXED_WINDOW = `${REPLACE_OTHER_TYPE("string")}
local count = redis.call("INCR", KEYS[1])
local ttl = redis.call("PTTL", KEYS[1])
if ttl < 0 then
  redis.call("PEXPIRE", KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return { count, ttl }`;

/**
 * A sliding log at the same key: a sorted set of admitted requests scored by time, so the count is
 * exact over any window (two weighted fixed windows would only approximate it, and need a second
 * key). Refused requests are not logged, so a caller who keeps retrying is not locked out longer.
 */
const SLIDING_WINDOW = `${REPLACE_OTHER_TYPE("zset")}
local limit, window, now = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call("ZREMRANGEBYSCORE", KEYS[1], "-inf", now - window)
local count = redis.call("ZCARD", KEYS[1])
local allowed = 0
if count < limit then
  redis.call("ZADD", KEYS[1], now, ARGV[4])
  redis.call("PEXPIRE", KEYS[1], window)
  count = count + 1
  allowed = 1
end
local oldest = redis.call("ZRANGE", KEYS[1], 0, 0, "WITHSCORES")
local reset = window
if oldest[2] then reset = tonumber(oldest[2]) + window - now end
return { allowed, count, reset }`;

/**
 * Counts one request against `key` and says whether it may go on.
 * @example
 * const { allowed, remaining, resetSeconds } = await consume({ key, limit: 10, windowSeconds: 900 });
 * if (!allowed) throw new RateLimitedError(resetSeconds);
 */
export async function consume(options: ConsumeOptions): Promise<RateLimitDecision> {
  const { key, limit, windowSeconds, algorithm = "fixed", now = Date.now() } = options;
  checkLimits(limit, windowSeconds);
  const windowMs = Math.max(1, Math.round(windowSeconds * 1000));
  const client = options.client ?? redis();
  let reply: unknown;
  try {
    reply = algorithm === "sliding"
      ? await client.eval(SLIDING_WINDOW, [key], [limit, windowMs, now, `${now}-${randomBytes(6).toString("hex")}`])
      : await client.eval(FIXED_WINDOW, [key], [windowMs]);
  } catch (error) {
    throw new RateLimitUnavailableError(key, { cause: error });
  }
  const numbers = Array.isArray(reply) && reply.every(Number.isFinite) ? (reply as number[]) : [];
  if (numbers.length !== (algorithm === "sliding" ? 3 : 2)) {
    throw new RateLimitUnavailableError(key, { cause: new Error(`unexpected reply ${JSON.stringify(reply)}`) });
  }
  // fixed: [count, ttl ms]; sliding: [admitted 0|1, count, ms until the oldest leaves the window]
  const [allowed, count, resetMs] = algorithm === "sliding" ? [numbers[0] === 1, numbers[1], numbers[2]] : [numbers[0] <= limit, numbers[0], numbers[1]];
  return { allowed, limit, remaining: Math.max(0, limit - count), resetSeconds: Math.max(1, Math.ceil(resetMs / 1000)) };
}

function checkLimits(limit: number, windowSeconds: number): void {
  if (!Number.isInteger(limit) || limit < 1) throw new TypeError("consume: limit must be a positive integer");
  if (!Number.isFinite(windowSeconds) || windowSeconds <= 0) throw new TypeError("consume: windowSeconds must be a positive number");
}
