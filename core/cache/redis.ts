/**
 * The Redis client factory: `@upstash/redis` over REST, the same in production (Upstash) and
 * locally (the Upstash-REST bridge in `local/redis`). `redis()` is the container's client,
 * configured from `UPSTASH_REDIS_REST_URL` / `UPSTASH_REDIS_REST_TOKEN`.
 */
import { Redis } from "@upstash/redis";
import { config } from "../config/index.ts";

export interface RedisClientOptions {
  /** `UPSTASH_REDIS_REST_URL`, e.g. `https://eu1-x.upstash.io` or a local bridge's URL. */
  url: string;
  /** `UPSTASH_REDIS_REST_TOKEN`. */
  token: string;
}

/** Network retries: a few quick ones, so a Lambda fails fast instead of using up its timeout. */
const RETRIES = 2;
const backoff = (retryCount: number) => Math.min(500, 100 * 2 ** retryCount);

/**
 * Creates a REST Redis client. Telemetry is off; only network failures are retried (a Redis
 * error reply is thrown at once).
 * @example
 * const redis = createRedisClient({ url: settings.redis.url, token: settings.redis.token });
 * await redis.set("greeting", "hello", { ex: 60 });
 */
export function createRedisClient({ url, token }: RedisClientOptions): Redis {
  return new Redis({ url, token, enableTelemetry: false, retry: { retries: RETRIES, backoff } });
}

let shared: Redis | undefined;

/** The container's Redis client, built from configuration on first use. */
export function redis(): Redis {
  shared ??= createRedisClient(config("redis"));
  return shared;
}
