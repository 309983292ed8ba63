/**
 * Server and database administration commands as a MongoDB 8.0 replica set primary answers them:
 * handshake, version and parameters, sessions, databases, statistics and cursors.
 */
import { calculateObjectSize, Long, ObjectId } from "bson";
import type { Db } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestMongo, type TestMongo } from "#test/helpers/mongo.ts";

/** Documents of any shape, with any `_id` type (the driver assumes ObjectId otherwise). */
type Doc = { _id?: string | number | boolean | null | Date | import("mongodb").ObjectId | import("mongodb").Long | import("mongodb").Decimal128 | import("mongodb").Binary; [key: string]: any };

let mongo: TestMongo;
let admin: Db;

beforeAll(async () => {
  mongo = await startTestMongo();
  admin = mongo.client.db("admin");
});

afterAll(async () => {
  await mongo?.close();
});

describe("handshake", () => {
  it("answers hello as the writable primary of a replica set speaking wire version 25", async () => {
    const reply = await admin.command({ hello: 1 });

    expect(reply).toMatchObject({
      isWritablePrimary: true,
      secondary: false,
      maxBsonObjectSize: 16777216,
      maxMessageSizeBytes: 48000000,
      maxWriteBatchSize: 100000,
      logicalSessionTimeoutMinutes: 30,
      minWireVersion: 0,
      maxWireVersion: 25,
      readOnly: false,
      ok: 1,
    });
    expect(reply.localTime).toBeInstanceOf(Date);
    expect(Number.isInteger(reply.connectionId)).toBe(true);
    expect(reply.connectionId).toBeGreaterThan(0);
    expect(reply.setName).toEqual(expect.any(String));
    expect(reply.hosts).toContain(reply.me);
    expect(reply.primary).toBe(reply.me);
    expect(reply).not.toHaveProperty("msg");
  });

  it("answers the legacy isMaster with ismaster: true", async () => {
    const reply = await admin.command({ isMaster: 1 });

    expect(reply).toMatchObject({ ismaster: true, maxWireVersion: 25, maxBsonObjectSize: 16777216, logicalSessionTimeoutMinutes: 30, ok: 1 });
    expect(Number.isInteger(reply.connectionId)).toBe(true);
  });

  it("gives each connection its own connectionId", async () => {
    const { MongoClient } = await import("mongodb");
    const other = new MongoClient(mongo.uri, { serverSelectionTimeoutMS: 5_000 });
    try {
      const mine = await admin.command({ hello: 1 });
      const theirs = await other.db("admin").command({ hello: 1 });

      expect(theirs.connectionId).not.toBe(mine.connectionId);
    } finally {
      await other.close();
    }
  });

  it("answers ping with ok: 1", async () => {
    expect(await admin.command({ ping: 1 })).toEqual({ ok: 1 });
  });

  it("reports an 8.0.x version in buildInfo with a matching versionArray", async () => {
    const reply = await admin.command({ buildInfo: 1 });

    expect(reply.version).toMatch(/^8\.0\.\d+$/);
    expect(reply.versionArray).toHaveLength(4);
    expect(reply.versionArray.slice(0, 3)).toEqual(reply.version.split(".").map(Number));
    expect(reply).toMatchObject({ bits: 64, maxBsonObjectSize: 16777216, ok: 1 });
  });
});

describe("parameters, sessions and connection status", () => {
  it("lists every parameter for getParameter: '*', featureCompatibilityVersion 8.0 among them", async () => {
    const reply = await admin.command({ getParameter: "*" });

    expect(reply.ok).toBe(1);
    expect(reply.featureCompatibilityVersion).toEqual({ version: "8.0" });
    expect(Object.keys(reply).length).toBeGreaterThan(2);
  });

  it("returns only the named parameter for getParameter: 1", async () => {
    const reply = await admin.command({ getParameter: 1, featureCompatibilityVersion: 1 });

    expect(reply).toEqual({ featureCompatibilityVersion: { version: "8.0" }, ok: 1 });
  });

  it("rejects getParameter for an unknown parameter with InvalidOptions 72", async () => {
    await expect(admin.command({ getParameter: 1, noSuchParameterAnywhere: 1 })).rejects.toMatchObject({
      code: 72,
      codeName: "InvalidOptions",
      message: "no option found to get",
    });
  });

  it("reports no authenticated users in connectionStatus", async () => {
    const reply = await admin.command({ connectionStatus: 1 });

    expect(reply).toEqual({ authInfo: { authenticatedUsers: [], authenticatedUserRoles: [] }, ok: 1 });
  });

  it("accepts endSessions for a session that was used", async () => {
    const session = mongo.client.startSession();
    await mongo.client.db("admin").command({ ping: 1 }, { session });

    const reply = await admin.command({ endSessions: [session.id] });
    await session.endSession();

    expect(reply).toEqual({ ok: 1 });
  });
});

describe("databases", () => {
  it("lists databases with sizes, and only names with nameOnly", async () => {
    const db = mongo.freshDatabase("listdb");
    await db.collection<Doc>("c").insertOne({ a: 1 });

    const full = await admin.command({ listDatabases: 1 });
    const names = await admin.command({ listDatabases: 1, nameOnly: true });

    const entry = full.databases.find((d: { name: string }) => d.name === db.databaseName);
    expect(entry).toMatchObject({ name: db.databaseName, empty: false });
    expect(entry.sizeOnDisk).toBeTypeOf("number");
    expect(full.totalSize).toBeTypeOf("number");
    expect(names.databases).toContainEqual({ name: db.databaseName });
    for (const d of names.databases) expect(Object.keys(d)).toEqual(["name"]);
    expect(names).not.toHaveProperty("totalSize");
  });

  it("applies a filter to listDatabases", async () => {
    const db = mongo.freshDatabase("filterdb");
    await db.collection<Doc>("c").insertOne({ a: 1 });

    const reply = await admin.command({ listDatabases: 1, nameOnly: true, filter: { name: db.databaseName } });

    expect(reply.databases).toEqual([{ name: db.databaseName }]);
  });

  it("does not list a database that has no collection", async () => {
    const name = `never_${new ObjectId().toHexString()}`;

    const reply = await admin.command({ listDatabases: 1, nameOnly: true, filter: { name } });

    expect(reply.databases).toEqual([]);
  });

  it("drops a database with its collections", async () => {
    const db = mongo.freshDatabase("dropdb");
    await db.collection<Doc>("a").insertOne({ x: 1 });
    await db.collection<Doc>("b").insertOne({ x: 1 });

    const reply = await db.command({ dropDatabase: 1 });

    expect(reply).toMatchObject({ dropped: db.databaseName, ok: 1 });
    expect(await db.listCollections().toArray()).toEqual([]);
    expect((await admin.command({ listDatabases: 1, nameOnly: true, filter: { name: db.databaseName } })).databases).toEqual([]);
  });

  it("counts collections and objects in dbStats", async () => {
    const db = mongo.freshDatabase("statsdb");
    await db.collection<Doc>("a").insertMany([{ x: 1 }, { x: 2 }, { x: 3 }]);
    await db.collection<Doc>("b").insertMany([{ y: 1 }, { y: 2 }]);
    await db.collection<Doc>("b").createIndex({ y: 1 });

    const reply = await db.command({ dbStats: 1 });

    expect(reply).toMatchObject({ db: db.databaseName, collections: 2, views: 0, objects: 5, indexes: 3, scaleFactor: 1, ok: 1 });
    expect(reply.dataSize).toBeGreaterThan(0);
  });
});

describe("collection statistics", () => {
  let db: Db;
  const docs = [{ _id: 1, name: "a" }, { _id: 2, name: "bb" }, { _id: 3, name: "ccc" }];

  beforeAll(async () => {
    db = mongo.freshDatabase("collstats");
    await db.collection<Doc>("items").insertMany(docs.map((d) => ({ ...d })));
    await db.collection<Doc>("items").createIndex({ name: 1 });
  });

  it("reports count, size and nindexes in collStats", async () => {
    const reply = await db.command({ collStats: "items" });

    expect(reply).toMatchObject({ ns: `${db.databaseName}.items`, count: 3, nindexes: 2, ok: 1 });
    expect(reply.size).toBe(docs.reduce((sum, d) => sum + calculateObjectSize(d), 0));
    expect(Object.keys(reply.indexSizes).sort()).toEqual(["_id_", "name_1"]);
  });

  it("rejects collStats on a missing collection with NamespaceNotFound 26", async () => {
    await expect(db.command({ collStats: "missing" })).rejects.toMatchObject({ code: 26, codeName: "NamespaceNotFound" });
  });

  it("returns the document count from $collStats { count: {} }", async () => {
    const [stats] = await db.collection<Doc>("items").aggregate([{ $collStats: { count: {} } }]).toArray();

    expect(stats).toMatchObject({ ns: `${db.databaseName}.items`, count: 3 });
    expect(stats.localTime).toBeInstanceOf(Date);
    expect(stats).not.toHaveProperty("storageStats");
  });

  it("returns storage statistics from $collStats { storageStats: {} }", async () => {
    const [stats] = await db.collection<Doc>("items").aggregate([{ $collStats: { storageStats: {} } }]).toArray();

    expect(stats.storageStats).toMatchObject({ count: 3, nindexes: 2 });
    expect(stats.storageStats.size).toBe(docs.reduce((sum, d) => sum + calculateObjectSize(d), 0));
    expect(stats).not.toHaveProperty("count");
  });
});

describe("serverStatus, cursors and unknown commands", () => {
  it("reports uptime, current connections and memory in serverStatus", async () => {
    const reply = await admin.command({ serverStatus: 1 });

    expect(reply.ok).toBe(1);
    expect(reply.uptime).toBeGreaterThanOrEqual(0);
    expect(reply.connections.current).toBeGreaterThanOrEqual(1);
    expect(reply.mem).toMatchObject({ bits: 64 });
    expect(reply.version).toMatch(/^8\.0\./);
    expect(reply.process).toBe("mongod");
  });

  it("kills an open cursor, after which getMore fails with CursorNotFound 43", async () => {
    const db = mongo.freshDatabase("cursors");
    await db.collection<Doc>("c").insertMany(Array.from({ length: 10 }, (_, i) => ({ _id: i })));
    const first = await db.command({ find: "c", batchSize: 2 }, { promoteLongs: false });
    const id = first.cursor.id as Long;
    expect(id.isZero()).toBe(false);

    const killed = await db.command({ killCursors: "c", cursors: [id] }, { promoteLongs: false });

    expect(killed.cursorsKilled.map(String)).toEqual([id.toString()]);
    expect(killed).toMatchObject({ cursorsNotFound: [], cursorsAlive: [], cursorsUnknown: [], ok: 1 });
    await expect(db.command({ getMore: id, collection: "c" })).rejects.toMatchObject({ code: 43, codeName: "CursorNotFound" });
  });

  it("reports an unknown cursor id as not found in killCursors", async () => {
    const db = mongo.freshDatabase("cursors2");
    await db.collection<Doc>("c").insertOne({ _id: 1 });
    const id = Long.fromString("1234567890123");

    const reply = await db.command({ killCursors: "c", cursors: [id] }, { promoteLongs: false });

    expect(reply.cursorsKilled).toEqual([]);
    expect(reply.cursorsNotFound.map(String)).toEqual([id.toString()]);
  });

  it("rejects an unknown command with CommandNotFound 59", async () => {
    await expect(admin.command({ noSuchCommandAtAll: 1 })).rejects.toMatchObject({
      code: 59,
      codeName: "CommandNotFound",
      message: "no such command: 'noSuchCommandAtAll'",
    });
  });
});
