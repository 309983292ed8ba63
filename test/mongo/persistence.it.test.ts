/**
 * `--dbpath`: what a stand-in writes survives a clean stop (replayed from the compacted snapshot)
 * and a crash (replayed from the journal), with every BSON type, option, index and UUID intact;
 * compaction keeps the journal bounded; without a dbpath nothing touches the disk.
 */
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Binary, BSON, BSONRegExp, Decimal128, Double, Long, MongoClient, ObjectId, Timestamp, UUID, type Db, type Document } from "mongodb";
import { spawnStandIn } from "#test/fixtures/mongo/child.ts";
import { connectStandIn, crashImage, removeTempDbpaths, tempDbpath } from "#test/fixtures/mongo/dbpath.ts";

afterAll(removeTempDbpaths);

/** Documents of every shape, with _ids of several types. */
type Doc = { _id?: string | number | import("mongodb").ObjectId | import("mongodb").Double; [key: string]: any };

const EXACT = { promoteValues: false } as const;

const kinds = (): Document[] => [
  {
    _id: new ObjectId(), name: "kinds", email: "a@example.com", city: "Lyon", age: 40, score: 50,
    long: Long.fromString("9223372036854775807"), decimal: Decimal128.fromString("123.4500"), integralDouble: new Double(3),
    int: 7, fraction: 2.5, date: new Date("2024-02-29T12:00:00.123Z"), binary: new Binary(Buffer.from([1, 2, 3]), 0x80),
    uuid: new UUID(), regex: new BSONRegExp("^a.c$", "im"), timestamp: new Timestamp({ t: 5, i: 6 }),
    nested: [[1, [2, new Double(3)]], { deep: [Long.fromNumber(5), null, true] }], createdAt: new Date(),
  },
  { _id: 2, name: "two", email: "b@example.com", city: "Lyon", age: 12, score: 5 },
  { _id: "three", name: "three", email: "c@example.com", city: "Oslo", age: 30, score: 60 },
  { _id: new Double(4), name: "four", email: "d@example.com" },
];

/** Writes one of everything a dbpath must keep, including changes that undo earlier ones. */
async function populate(db: Db, otherDb: Db): Promise<void> {
  await db.createCollection("people", { validator: { $jsonSchema: { bsonType: "object", required: ["name"] } }, validationLevel: "moderate" });
  const people = db.collection<Doc>("people");
  await people.createIndex({ email: 1 }, { unique: true });
  await people.createIndex({ city: 1, age: -1 }, { name: "city_age" });
  await people.createIndex({ score: 1 }, { unique: true, partialFilterExpression: { score: { $gt: 10 } } });
  await people.createIndex({ createdAt: 1 }, { expireAfterSeconds: 3600 });
  await people.createIndex({ temporary: 1 });
  await people.dropIndex("temporary_1");
  await db.command({ collMod: "people", index: { name: "createdAt_1", expireAfterSeconds: 60 } });
  await db.command({ collMod: "people", index: { name: "city_age", hidden: true } });
  await people.insertMany(kinds());
  await people.insertOne({ _id: "doomed", name: "doomed" });
  await people.updateOne({ _id: 2 }, { $inc: { age: 1 }, $set: { "tags.0": "x" } });
  await people.replaceOne({ _id: "three" }, { name: "three, replaced", email: "c@example.com", score: 61 });
  await people.deleteOne({ _id: "doomed" });
  await db.createCollection("adults", { viewOn: "people", pipeline: [{ $match: { age: { $gte: 18 } } }] });
  await db.collection<Doc>("before").insertOne({ _id: 1, moved: true });
  await db.admin().command({ renameCollection: `${db.databaseName}.before`, to: `${db.databaseName}.after` });
  await db.collection<Doc>("gone").insertOne({ _id: 1 });
  await db.collection<Doc>("gone").drop();
  await otherDb.collection<Doc>("x").insertOne({ _id: 1 });
  await otherDb.dropDatabase();
  await db.collection<Doc>("emptied").insertMany([{ _id: 1 }, { _id: 2 }]);
  await db.collection<Doc>("emptied").deleteMany({});
}

/** Everything observable about the data, in a form that compares types exactly. */
async function observe(db: Db): Promise<Document> {
  const exactBytes = (docs: Document[]) => docs.map((doc) => Buffer.from(BSON.serialize(doc)).toString("hex"));
  const collections = await db.listCollections().toArray();
  const contents: Document = {};
  for (const { name, type } of collections) {
    if (type === "collection") contents[name] = exactBytes(await db.collection<Doc>(name).find({}, EXACT).toArray());
  }
  const databases = (await db.admin().listDatabases({ nameOnly: true })).databases.map((d) => d.name).sort();
  return {
    collections: exactBytes(collections),
    contents,
    indexes: exactBytes(await db.collection<Doc>("people").listIndexes().toArray()),
    view: await db.collection<Doc>("adults").find().sort({ _id: 1 }).toArray(),
    databases,
  };
}

async function expectConstraintsEnforced(db: Db): Promise<void> {
  const people = db.collection<Doc>("people");
  await expect(people.insertOne({ name: "dup", email: "a@example.com" })).rejects.toMatchObject({ code: 11000 });
  await expect(people.insertOne({ name: "dup score", email: "new@example.com", score: 50 })).rejects.toMatchObject({ code: 11000 });
  await people.insertOne({ name: "low score twice", email: "low@example.com", score: 5 });
  await expect(people.insertOne({ email: "nameless@example.com" })).rejects.toMatchObject({ code: 121 });
  await expect(db.collection<Doc>("people").insertOne({ _id: 2, name: "same id" })).rejects.toMatchObject({ code: 11000 });
}

describe("a dbpath keeps the data", () => {
  it("across a clean stop and across a crash, with types, options, indexes, views and UUIDs", async () => {
    const dbpath = await tempDbpath();
    const first = await connectStandIn({ dbpath });
    const name = "persist";
    await populate(first.client.db(name), first.client.db("persist_other"));
    const expected = await observe(first.client.db(name));
    const crashed = await crashImage(dbpath);
    await first.stop();

    for (const path of [dbpath, crashed]) {
      const again = await connectStandIn({ dbpath: path });
      const db = again.client.db(name);
      expect(await observe(db)).toEqual(expected);
      expect(expected.databases).not.toContain("persist_other");
      expect(Object.keys(expected.contents)).toEqual(expect.arrayContaining(["people", "after", "emptied"]));
      expect(Object.keys(expected.contents)).not.toContain("gone");
      await expectConstraintsEnforced(db);
      const status = await db.admin().command({ serverStatus: 1 });
      expect(status.storageEngine).toEqual({ name: "journal", persistent: true });
      await again.stop();
    }
    // A clean stop leaves one snapshot and an empty journal: the next start replays no journal records.
    const files = await readdir(dbpath);
    expect(files.sort()).toEqual(["journal.bson", "snapshot.bson"]);
  });

  it("keeps the journal bounded by compacting, and loses nothing doing it", async () => {
    const dbpath = await tempDbpath();
    const compactBytes = 16 * 1024;
    const server = await connectStandIn({ dbpath, journalCompactBytes: compactBytes });
    const coll = server.client.db("compaction").collection<Doc>("c");
    let largest = 0;
    for (let i = 0; i < 600; i++) {
      await coll.insertOne({ _id: i, payload: "p".repeat(100) });
      await coll.updateOne({ _id: "counter" }, { $inc: { n: 1 } }, { upsert: true });
      if (i % 3 === 0) await coll.deleteOne({ _id: i });
      largest = Math.max(largest, (await stat(join(dbpath, "journal.bson"))).size);
    }
    // Each write above waits for its commit, so the journal passes the threshold by one frame at most.
    expect(largest).toBeLessThan(compactBytes + 1024);
    const crashed = await crashImage(dbpath);
    await server.stop();
    for (const path of [dbpath, crashed]) {
      const again = await connectStandIn({ dbpath: path });
      const c = again.client.db("compaction").collection<Doc>("c");
      expect(await c.findOne({ _id: "counter" })).toEqual({ _id: "counter", n: 600 });
      expect(await c.countDocuments({ payload: { $exists: true } })).toBe(400);
      expect(await c.findOne({ _id: 3 })).toBeNull();
      expect(await c.findOne({ _id: 599 })).toMatchObject({ _id: 599 });
      await again.stop();
    }
  });

  it("keeps a document an update grew past the 17 MiB bson serializes in one buffer, whole", async () => {
    const dbpath = await tempDbpath();
    const server = await connectStandIn({ dbpath });
    const coll = server.client.db("big").collection<Doc>("c");
    await coll.insertOne({ _id: 1, a: "a".repeat(10_000_000) });
    await coll.updateOne({ _id: 1 }, { $set: { b: "b".repeat(10_000_000), after: true } });
    const crashed = await crashImage(dbpath);
    await server.stop();
    for (const path of [crashed, dbpath]) {
      const again = await connectStandIn({ dbpath: path });
      // Lengths only: the whole document would not fit in a reply.
      const lengths = await again.client.db("big").collection<Doc>("c")
        .aggregate([{ $project: { a: { $strLenCP: "$a" }, b: { $strLenCP: "$b" }, after: 1 } }]).toArray();
      expect(lengths).toEqual([{ _id: 1, a: 10_000_000, b: 10_000_000, after: true }]);
      await again.stop();
    }
  });
});

describe("without a dbpath", () => {
  it("writes nothing to disk and reports an in-memory engine", async () => {
    const cwd = await tempDbpath();
    const child = await spawnStandIn([], cwd);
    const client = new MongoClient(child.uri);
    const db = client.db("memory_only");
    await db.collection<Doc>("c").insertMany([{ a: 1 }, { a: 2 }]);
    await db.collection<Doc>("c").createIndex({ a: 1 }, { unique: true });
    expect((await db.admin().command({ serverStatus: 1 })).storageEngine).toEqual({ name: "inMemory", persistent: false });
    await client.close();
    child.child.kill("SIGTERM");
    expect(await child.exited).toBe(0);
    expect(await readdir(cwd)).toEqual([]);
  });
});
