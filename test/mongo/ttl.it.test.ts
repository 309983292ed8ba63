/**
 * TTL indexes: the background monitor deletes documents whose indexed date is older than
 * `expireAfterSeconds`, honours partial filters, and runs every `ttlMonitorSleepSecs`, which
 * `setParameter` changes at run time as on MongoDB.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MongoClient, MongoServerError, type Db } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMongoStandIn, type MongoStandIn } from "#local/mongo/index.ts";

const HOUR = 3_600_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
type Doc = { _id: string; [field: string]: unknown };

describe("ttlMonitorSleepSecs", () => {
  let standIn: MongoStandIn;
  let client: MongoClient;

  beforeAll(async () => {
    standIn = await startMongoStandIn({ port: 0 });
    client = await MongoClient.connect(standIn.uri);
  });

  afterAll(async () => {
    await client.close();
    await standIn.stop();
  });

  it("is 60 seconds by default and reported by getParameter", async () => {
    const reply = await client.db("admin").command({ getParameter: 1, ttlMonitorSleepSecs: 1 });

    expect(reply.ttlMonitorSleepSecs).toBe(60);
  });

  it("changes with setParameter on admin, which answers the value it replaced", async () => {
    const reply = await client.db("admin").command({ setParameter: 1, ttlMonitorSleepSecs: 30 });
    const now = await client.db("admin").command({ getParameter: 1, ttlMonitorSleepSecs: 1 });

    expect(reply.was).toBe(60);
    expect(now.ttlMonitorSleepSecs).toBe(30);
  });

  it("refuses setParameter outside admin, for unknown parameters and for bad values", async () => {
    const code = (command: object, db = "admin") => client.db(db).command(command).then(() => 0, (error: MongoServerError) => error.code);

    expect(await code({ setParameter: 1, ttlMonitorSleepSecs: 5 }, "app")).toBe(13);
    expect(await code({ setParameter: 1, notAParameter: 5 })).toBe(72);
    expect(await code({ setParameter: 1, ttlMonitorSleepSecs: 0 })).toBe(2);
    expect(await code({ setParameter: 1, ttlMonitorSleepSecs: "soon" })).toBe(2);
  });
});

describe("the TTL monitor", () => {
  let standIn: MongoStandIn;
  let client: MongoClient;
  let db: Db;

  beforeAll(async () => {
    standIn = await startMongoStandIn({ port: 0, ttlMonitorSleepSecs: 1 });
    client = await MongoClient.connect(standIn.uri);
    db = client.db("ttl");
  });

  afterAll(async () => {
    await client.close();
    await standIn.stop();
  });

  it("deletes documents whose date is past expireAfterSeconds, by the earliest date of an array, and keeps the rest", async () => {
    const events = db.collection<Doc>("events");
    await events.createIndex({ expiresAt: 1 }, { expireAfterSeconds: 0 });
    const past = new Date(Date.now() - HOUR);
    const future = new Date(Date.now() + HOUR);
    await events.insertMany([
      { _id: "past", expiresAt: past },
      { _id: "future", expiresAt: future },
      { _id: "array-with-past", expiresAt: [future, past] },
      { _id: "no-date", expiresAt: "yesterday" },
      { _id: "missing" },
    ]);

    await sleep(2_300);

    expect((await events.find().toArray()).map((doc) => doc._id).sort()).toEqual(["future", "missing", "no-date"]);
    const status = await client.db("admin").command({ serverStatus: 1 });
    expect(status.metrics.ttl.deletedDocuments).toBeGreaterThanOrEqual(2);
    expect(status.metrics.ttl.passes).toBeGreaterThanOrEqual(1);
  });

  it("honours the index's partial filter: only ended sessions expire a day after their last update", async () => {
    const sessions = db.collection<Doc>("sessions");
    await sessions.createIndex({ updatedAt: 1 }, { expireAfterSeconds: 86_400, partialFilterExpression: { status: "ended" } });
    const twoDaysAgo = new Date(Date.now() - 48 * HOUR);
    await sessions.insertMany([
      { _id: "ended-old", status: "ended", updatedAt: twoDaysAgo },
      { _id: "active-old", status: "active", updatedAt: twoDaysAgo },
      { _id: "ended-recent", status: "ended", updatedAt: new Date(Date.now() - HOUR) },
    ]);

    await sleep(2_300);

    expect((await sessions.find().toArray()).map((doc) => doc._id).sort()).toEqual(["active-old", "ended-recent"]);
  });

  it("follows expireAfterSeconds changed with collMod", async () => {
    const tokens = db.collection<Doc>("tokens");
    await tokens.createIndex({ issuedAt: 1 }, { expireAfterSeconds: 86_400, name: "issuedAt_ttl" });
    await tokens.insertOne({ _id: "two-hours-old", issuedAt: new Date(Date.now() - 2 * HOUR) });
    await sleep(1_300);
    const before = await tokens.countDocuments();

    await db.command({ collMod: "tokens", index: { name: "issuedAt_ttl", expireAfterSeconds: 3_600 } });
    await sleep(2_300);

    expect(before).toBe(1);
    expect(await tokens.countDocuments()).toBe(0);
  });
});

describe("TTL deletions with --dbpath", () => {
  it("are journaled, so expired documents stay gone after a restart", async () => {
    const dbpath = await mkdtemp(join(tmpdir(), "ttl-dbpath-"));
    const first = await startMongoStandIn({ port: 0, dbpath, ttlMonitorSleepSecs: 1 });
    const writer = await MongoClient.connect(first.uri);
    const collection = writer.db("ttl").collection<Doc>("expiring");
    await collection.createIndex({ at: 1 }, { expireAfterSeconds: 0 });
    await collection.insertMany([{ _id: "old", at: new Date(Date.now() - HOUR) }, { _id: "new", at: new Date(Date.now() + HOUR) }]);
    await sleep(2_300);
    await writer.close();
    await first.stop();

    const second = await startMongoStandIn({ port: 0, dbpath });
    const reader = await MongoClient.connect(second.uri);
    const ids = (await reader.db("ttl").collection<Doc>("expiring").find().toArray()).map((doc) => doc._id);
    await reader.close();
    await second.stop();
    await rm(dbpath, { recursive: true, force: true });

    expect(ids).toEqual(["new"]);
  });
});
