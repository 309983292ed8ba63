/**
 * `npm run bench` (second part): what a protected, rate-limited request does before its handler,
 * per request (median and p99): `verifyAccessToken` (JWT check plus the revoked-family lookup in
 * Redis) and a fixed-window `consume`, then each part alone, the sliding-window `consume`, and a
 * bare Redis round trip (PING, GET) as the floor. Redis is a private redis-server behind the local
 * Upstash-REST bridge, both in this machine (the bridge in this process), so the figures are the
 * client's and bridge's own work plus loopback HTTP, not an Upstash region's network latency.
 */
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import { ObjectId } from "mongodb";
import { createTokenService } from "#core/auth/tokens.ts";
import { consume, rateLimitKey } from "#core/cache/rate-limit.ts";
import { createRedisClient } from "#core/cache/redis.ts";
import { startRedisBridge, type RedisBridge } from "#local/redis/bridge.ts";
import { startRedisServer } from "#local/redis/server.ts";

const REQUESTS = 2_000;
const WARMUP = 200;
/** High enough that no measured request is ever refused. */
const LIMIT = 1_000_000;
const WINDOW_SECONDS = 900;

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const ms = (n: number) => `${n.toFixed(3)} ms`;

/** Runs `run` WARMUP times unmeasured, then REQUESTS times sequentially, timing each. */
async function time(run: () => Promise<unknown>): Promise<{ median: number; p99: number }> {
  for (let i = 0; i < WARMUP; i++) await run();
  const latencies: number[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const start = performance.now();
    await run();
    latencies.push(performance.now() - start);
  }
  latencies.sort((a, b) => a - b);
  return { median: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

const server = await startRedisServer();
let bridge: RedisBridge | undefined;
try {
  const token = randomBytes(16).toString("hex");
  bridge = await startRedisBridge({ backend: { kind: "redis", url: server.url }, token });
  const redis = createRedisClient({ url: bridge.url, token });
  const tokens = createTokenService({
    accessSecrets: [randomBytes(32).toString("hex")],
    refreshSecrets: [randomBytes(32).toString("hex")],
    redis,
  });

  const system = "ai-calling";
  const userId = new ObjectId().toHexString();
  const { accessToken } = await tokens.issueSession({ system, userId, role: "user" });
  const fixedKey = rateLimitKey(system, "bench:fixed", userId);
  const slidingKey = rateLimitKey(system, "bench:sliding", userId);
  await redis.set("bench:floor", "x");

  /** A refused request would mean the benchmark measured the wrong path. */
  const admit = async (key: string, algorithm: "fixed" | "sliding") => {
    const decision = await consume({ key, limit: LIMIT, windowSeconds: WINDOW_SECONDS, algorithm, client: redis });
    if (!decision.allowed) throw new Error(`rate limit tripped on ${key}`);
  };
  const verify = async () => {
    const identity = await tokens.verifyAccessToken(accessToken, system);
    if (identity.userId !== userId) throw new Error("verifyAccessToken returned another user");
  };

  const rows: [string, { median: number; p99: number }][] = [
    ["redis round trip (PING)", await time(() => redis.ping())],
    ["redis round trip (GET)", await time(() => redis.get("bench:floor"))],
    ["verify only", await time(verify)],
    ["fixed window consume only", await time(() => admit(fixedKey, "fixed"))],
    ["sliding window consume only", await time(() => admit(slidingKey, "sliding"))],
    ["auth path (verify + fixed window)", await time(async () => {
      await verify();
      await admit(fixedKey, "fixed");
    })],
  ];
  const width = Math.max(...rows.map(([label]) => label.length)) + 3;
  for (const [label, { median, p99 }] of rows) {
    console.log(`${label.padEnd(width)}median ${ms(median)}, p99 ${ms(p99)} over ${REQUESTS} requests`);
  }
} finally {
  // The bridge first, so its connections close before the server goes away.
  await bridge?.stop();
  await server.stop();
}
