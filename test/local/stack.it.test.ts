/**
 * The local stack starts what is not configured, records itself for operations commands, and
 * operations commands reuse a running stack instead of starting their own.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MongoClient } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadLocalSecrets } from "#local/runtime/local-secrets.ts";
import { readRunningStack, startLocalStack, type LocalStack } from "#local/runtime/stack.ts";
import { withOperationTargets } from "#local/runtime/targets.ts";

const CONFIGURED = ["MONGODB_URI", "AWS_ENDPOINT_URL_S3", "RECORDINGS_BUCKET", "BACKUPS_BUCKET", "UPSTASH_REDIS_REST_URL", "UPSTASH_REDIS_REST_TOKEN"];

describe("local stack", () => {
  let dataDir: string;
  let stack: LocalStack;
  const saved: Record<string, string | undefined> = {};

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "local-stack-"));
    for (const name of CONFIGURED) {
      saved[name] = process.env[name];
      delete process.env[name];
    }
    stack = await startLocalStack({ dataDir });
  });

  afterAll(async () => {
    await stack?.stop();
    Object.assign(process.env, saved);
    await rm(dataDir, { recursive: true, force: true });
  });

  it("starts the stand-in, s3rver and the Redis bridge when nothing is configured", async () => {
    expect(stack.backing.mongo).toMatch(/^local MongoDB stand-in mongodb:\/\/127\.0\.0\.1:\d+/);
    expect(stack.backing.s3).toContain(join(dataDir, "s3"));
    expect(stack.backing.redis).toMatch(/^Upstash REST bridge http:\/\/127\.0\.0\.1:\d+ -> redis-server/);
    const client = new MongoClient(stack.settings.MONGODB_URI);
    expect((await client.db("admin").command({ ping: 1 })).ok).toBe(1);
    await client.close();
  });

  it("keeps development secrets in the data directory across starts", async () => {
    const stored = JSON.parse(await readFile(join(dataDir, "local-secrets.json"), "utf8"));

    expect(stored.JWT_ACCESS_SECRET.length).toBeGreaterThanOrEqual(32);
    expect(loadLocalSecrets(dataDir)).toEqual(stored);
  });

  it("records itself so that operations commands find it", () => {
    const running = readRunningStack(dataDir);

    expect(running?.pid).toBe(process.pid);
    expect(running?.settings.MONGODB_URI).toBe(stack.settings.MONGODB_URI);
  });

  it("lets an operations command reach the running stack", async () => {
    delete process.env.MONGODB_URI;

    const backing = await withOperationTargets("test", async (targets) => targets.backing, { dataDir });

    expect(backing).toEqual(stack.backing);
    expect(process.env.MONGODB_URI).toBe(stack.settings.MONGODB_URI);
  });

  it("keeps MongoDB data across restarts, under the data directory", async () => {
    const other = await mkdtemp(join(tmpdir(), "local-stack-"));
    const first = await startLocalStack({ dataDir: other, record: false, env: {} });
    const writer = new MongoClient(first.settings.MONGODB_URI);
    await writer.db("kept").collection("notes").insertOne({ _id: "survivor" } as never);
    await writer.close();
    await first.stop();

    const second = await startLocalStack({ dataDir: other, record: false, env: {} });
    const reader = new MongoClient(second.settings.MONGODB_URI);
    const found = await reader.db("kept").collection("notes").findOne({ _id: "survivor" } as never);
    await reader.close();
    await second.stop();
    await rm(other, { recursive: true, force: true });

    expect(found).toEqual({ _id: "survivor" });
    expect(second.backing.mongo).toContain(join(other, "mongo"));
  });

  it("forgets the record when it stops", async () => {
    const other = await mkdtemp(join(tmpdir(), "local-stack-"));
    const second = await startLocalStack({ dataDir: other });
    await second.stop();

    expect(existsSync(join(other, "local-stack.json"))).toBe(false);
    await rm(other, { recursive: true, force: true });
  });
});
