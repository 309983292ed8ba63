/**
 * Before each test file: point `core/config` at the shared test stack, with a database prefix of
 * the file's own (so every file starts from empty system databases), and silence the request log
 * unless a test listens to it. After the file: its databases are dropped.
 */
import { randomBytes } from "node:crypto";
import { afterAll, inject } from "vitest";
import { closeMongoClient, hasMongoClient, mongoClient } from "#core/db/client.ts";
import { setLogSink } from "#core/log.ts";

const stack = inject("stack");
const databasePrefix = `t${randomBytes(3).toString("hex")}_`;

Object.assign(process.env, {
  MONGODB_URI: stack.mongoUri,
  MONGODB_DATABASE_PREFIX: databasePrefix,
  UPSTASH_REDIS_REST_URL: stack.redisBridgeUrl,
  UPSTASH_REDIS_REST_TOKEN: stack.redisToken,
  AWS_REGION: "us-east-1",
  AWS_ENDPOINT_URL_S3: stack.s3Endpoint,
  AWS_ACCESS_KEY_ID: stack.s3Credentials.accessKeyId,
  AWS_SECRET_ACCESS_KEY: stack.s3Credentials.secretAccessKey,
  RECORDINGS_BUCKET: stack.buckets.recordings,
  BACKUPS_BUCKET: stack.buckets.backups,
  CORS_ORIGINS: "*",
  ...stack.secrets,
});

setLogSink(() => undefined);

afterAll(async () => {
  if (!hasMongoClient()) return;
  const client = mongoClient();
  const { databases } = await client.db("admin").admin().listDatabases({ nameOnly: true }).catch(() => ({ databases: [] }));
  for (const { name } of databases) if (name.startsWith(databasePrefix)) await client.db(name).dropDatabase().catch(() => undefined);
  await closeMongoClient();
});
