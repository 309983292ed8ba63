/**
 * Redis for integration tests: a private redis-server on a free port (never the system's 6379)
 * behind an Upstash-REST bridge, so tests use the real `@upstash/redis` client.
 * Throws `RedisServerMissingError`, which says how to install redis-server, when it is absent.
 */
import { randomBytes } from "node:crypto";
import { startRedisBridge, type RedisBridge } from "#local/redis/bridge.ts";
import { startRedisServer } from "#local/redis/server.ts";

export interface TestRedis {
  /** The private redis-server, e.g. `redis://127.0.0.1:41234`. */
  redisUrl: string;
  /** The bridge's REST URL, for `new Redis({ url: bridgeUrl, token })`. */
  bridgeUrl: string;
  token: string;
  /** Stops only the redis-server, as an outage would: the bridge stays up and answers errors. */
  stopServer(): Promise<void>;
  stop(): Promise<void>;
}

export async function startTestRedis(): Promise<TestRedis> {
  const server = await startRedisServer();
  const token = randomBytes(16).toString("hex");
  let bridge: RedisBridge;
  try {
    bridge = await startRedisBridge({ backend: { kind: "redis", url: server.url }, token });
  } catch (error) {
    await server.stop();
    throw error;
  }
  return {
    redisUrl: server.url,
    bridgeUrl: bridge.url,
    token,
    stopServer: () => server.stop(),
    async stop() {
      // The bridge first, so its connections close before the server goes away.
      await bridge.stop();
      await server.stop();
    },
  };
}
