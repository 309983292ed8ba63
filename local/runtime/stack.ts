/**
 * The local stack behind `npm start` and the operations commands: MongoDB, S3 and Redis, each the
 * configured service when its setting is present, otherwise a local stand-in:
 *
 *   MongoDB  MONGODB_URI            else the local stand-in over .data/mongo
 *   S3       AWS_ENDPOINT_URL_S3    else s3rver over .data/s3
 *   Redis    UPSTASH_REDIS_REST_URL else the Upstash REST bridge to a private redis-server,
 *                                   or to an in-process store when none is installed
 *
 * It then exports the settings `core/config` reads, and records them in `.data/local-stack.json`
 * so that operations commands reach the same stack while it runs.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { startMongoStandIn } from "#local/mongo/index.ts";
import { startRedisBridge } from "#local/redis/bridge.ts";
import { findRedisServer, startRedisServer } from "#local/redis/server.ts";
import { S3RVER_CREDENTIALS, startS3Server } from "#local/s3/index.ts";
import { loadLocalSecrets } from "./local-secrets.ts";
import { REPOSITORY_ROOT } from "./handlers.ts";

export const DEFAULT_DATA_DIR = join(REPOSITORY_ROOT, ".data");
const LOCAL_BUCKETS = { RECORDINGS_BUCKET: "local-recordings", BACKUPS_BUCKET: "local-backups" };

export interface LocalStack {
  /** The settings the stack provides (already applied to `process.env`). */
  settings: Record<string, string>;
  /** One line per adapter: what backs it. */
  backing: { mongo: string; redis: string; s3: string };
  warnings: string[];
  stop(): Promise<void>;
}

type Env = Record<string, string | undefined>;

export async function startLocalStack({ dataDir = DEFAULT_DATA_DIR, env = process.env as Env, record = true } = {}): Promise<LocalStack> {
  mkdirSync(dataDir, { recursive: true });
  const secrets = loadLocalSecrets(dataDir);
  const settings: Record<string, string> = {};
  const stops: (() => Promise<void>)[] = [];
  const warnings: string[] = [];
  const backing = { mongo: "", redis: "", s3: "" };

  try {
    if (env.MONGODB_URI) backing.mongo = `configured MONGODB_URI`;
    else {
      const dbpath = join(dataDir, "mongo");
      const standIn = await startMongoStandIn({ port: Number(env.MONGO_PORT ?? 0), dbpath });
      stops.push(standIn.stop);
      settings.MONGODB_URI = standIn.uri;
      backing.mongo = `local MongoDB stand-in ${standIn.uri} (data under ${dbpath})`;
    }

    if (env.AWS_ENDPOINT_URL_S3 || env.RECORDINGS_BUCKET) backing.s3 = `configured ${env.AWS_ENDPOINT_URL_S3 ?? `AWS S3 in ${env.AWS_REGION ?? "the default region"}`}`;
    else {
      const directory = join(dataDir, "s3");
      const s3 = await startS3Server({ directory, buckets: Object.values(LOCAL_BUCKETS) });
      stops.push(s3.stop);
      Object.assign(settings, LOCAL_BUCKETS, {
        AWS_ENDPOINT_URL_S3: s3.endpoint,
        AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
      });
      backing.s3 = `s3rver ${s3.endpoint} (files under ${directory})`;
    }

    if (env.UPSTASH_REDIS_REST_URL) backing.redis = `configured ${env.UPSTASH_REDIS_REST_URL}`;
    else {
      const token = env.UPSTASH_REDIS_REST_TOKEN ?? secrets.UPSTASH_REDIS_REST_TOKEN;
      let bridge;
      if (findRedisServer()) {
        const server = await startRedisServer();
        stops.push(server.stop);
        bridge = await startRedisBridge({ backend: { kind: "redis", url: server.url }, token });
      } else {
        warnings.push("redis-server is not on PATH: Redis runs in an in-process store (data lost on exit). Install it with `apt-get install redis-server`.");
        bridge = await startRedisBridge({ backend: { kind: "memory" }, token });
      }
      stops.push(bridge.stop);
      Object.assign(settings, { UPSTASH_REDIS_REST_URL: bridge.url, UPSTASH_REDIS_REST_TOKEN: token });
      backing.redis = `Upstash REST bridge ${bridge.url} -> ${bridge.backend}`;
    }

    for (const [name, value] of Object.entries(secrets)) if (!env[name] && !(name in settings)) settings[name] = value;
    // Providers call the dev server itself back unless told of a public tunnel.
    if (!env.PUBLIC_BASE_URL) settings.PUBLIC_BASE_URL = `http://127.0.0.1:${env.PORT ?? 3000}`;
  } catch (error) {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    throw error;
  }

  Object.assign(process.env, settings);
  const stateFile = join(dataDir, "local-stack.json");
  if (record) writeFileSync(stateFile, `${JSON.stringify({ pid: process.pid, settings, backing }, null, 2)}\n`, { mode: 0o600 });

  return {
    settings,
    backing,
    warnings,
    async stop() {
      if (record && readRunningStack(dataDir)?.pid === process.pid) rmSync(stateFile, { force: true });
      for (const stop of stops.reverse()) await stop().catch(() => undefined);
    },
  };
}

/** The stack `npm start` is running right now, if any (its process is alive). */
export function readRunningStack(dataDir = DEFAULT_DATA_DIR): { pid: number; settings: Record<string, string>; backing: LocalStack["backing"] } | undefined {
  const file = join(resolve(dataDir), "local-stack.json");
  if (!existsSync(file)) return undefined;
  try {
    const state = JSON.parse(readFileSync(file, "utf8"));
    process.kill(state.pid, 0);
    return state;
  } catch {
    return undefined;
  }
}
