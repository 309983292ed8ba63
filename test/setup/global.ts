/**
 * Once per `npm test` run: the shared services every platform test talks to. The local MongoDB
 * stand-in (or the real MongoDB at MONGODB_URI), a private redis-server behind the Upstash REST
 * bridge, and s3rver in a temp directory with the platform's buckets. Each test file then gets
 * its own databases (see `env.ts`). Missing tools fail here, with a message naming them.
 */
import { randomBytes } from "node:crypto";
import type { TestProject } from "vitest/node";
import { startMongoStandIn } from "#local/mongo/index.ts";
import { S3RVER_CREDENTIALS } from "#local/s3/index.ts";
import { startTestRedis } from "#test/helpers/redis.ts";
import { startTestS3 } from "#test/helpers/s3.ts";

export const TEST_BUCKETS = { recordings: "test-recordings", backups: "test-backups" };

export interface TestStack {
  mongoUri: string;
  /** MONGODB_URI as given to `npm test`: tests of the stand-in itself then run against it too. */
  externalMongoUri?: string;
  redisUrl: string;
  redisBridgeUrl: string;
  redisToken: string;
  s3Endpoint: string;
  s3Credentials: { accessKeyId: string; secretAccessKey: string };
  buckets: typeof TEST_BUCKETS;
  /** Signing secrets of this run (tests may mint tokens with them). */
  secrets: Record<string, string>;
}

declare module "vitest" {
  export interface ProvidedContext {
    stack: TestStack;
  }
}

const stops: (() => Promise<void>)[] = [];

export async function setup(project: TestProject): Promise<void> {
  const externalMongoUri = process.env.MONGODB_URI || undefined;
  let mongoUri = externalMongoUri;
  if (!mongoUri) {
    const standIn = await startMongoStandIn({ port: 0 });
    stops.push(standIn.stop);
    mongoUri = standIn.uri;
  }
  const redis = await startTestRedis();
  stops.push(redis.stop);
  const s3 = await startTestS3(Object.values(TEST_BUCKETS));
  stops.push(s3.stop);
  project.provide("stack", {
    mongoUri,
    externalMongoUri,
    redisUrl: redis.redisUrl,
    redisBridgeUrl: redis.bridgeUrl,
    redisToken: redis.token,
    s3Endpoint: s3.endpoint,
    s3Credentials: { ...S3RVER_CREDENTIALS },
    buckets: TEST_BUCKETS,
    secrets: {
      JWT_ACCESS_SECRET: randomBytes(32).toString("base64url"),
      JWT_REFRESH_SECRET: randomBytes(32).toString("base64url"),
      FIELD_ENCRYPTION_KEYS: `test1:${randomBytes(32).toString("base64")}`,
      EXOTEL_CALLBACK_SECRET: randomBytes(32).toString("base64url"),
    },
  });
}

export async function teardown(): Promise<void> {
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
}
