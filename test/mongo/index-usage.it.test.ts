import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Collection, Db } from "mongodb";
import { externalMongoUri, startTestMongo, type TestMongo } from "#test/helpers/mongo.ts";

const COUNT = 2_000;

/** Documents examined by the server, from serverStatus().metrics.queryExecutor.scannedObjects. */
async function scannedDuring(db: Db, action: () => Promise<unknown>): Promise<number> {
  const admin = db.admin();
  const before = (await admin.serverStatus()).metrics.queryExecutor.scannedObjects as number;
  await action();
  const after = (await admin.serverStatus()).metrics.queryExecutor.scannedObjects as number;
  return after - before;
}

describe.skipIf(Boolean(externalMongoUri()))("indexed lookups do not scan the collection (stand-in metrics)", () => {
  let mongo: TestMongo;
  let db: Db;
  let people: Collection;

  beforeAll(async () => {
    mongo = await startTestMongo();
    db = mongo.freshDatabase("index_usage");
    people = db.collection("people");
    await people.insertMany(Array.from({ length: COUNT }, (_, i) => ({ email: `p${i}@x.io`, score: i, name: `n${i}`, tags: [`t${i % 10}`, "all"] })));
    await people.createIndex({ email: 1 }, { unique: true });
    await people.createIndex({ score: -1, name: 1 });
    await people.createIndex({ tags: 1 });
  });
  afterAll(() => mongo.close());

  it("examines one document for an equality find on a unique indexed field", async () => {
    let found: unknown;
    const scanned = await scannedDuring(db, async () => (found = await people.findOne({ email: "p1234@x.io" })));
    expect(found).toMatchObject({ score: 1234 });
    expect(scanned).toBe(1);
  });

  it("examines only the documents in range for a range on the first field of a compound index", async () => {
    let found: unknown[] = [];
    const scanned = await scannedDuring(db, async () => (found = await people.find({ score: { $gte: 100, $lt: 110 } }).toArray()));
    expect(found).toHaveLength(10);
    expect(scanned).toBe(10);
  });

  it("examines only the listed documents for $in on an indexed field", async () => {
    let found: unknown[] = [];
    const scanned = await scannedDuring(db, async () => (found = await people.find({ email: { $in: ["p1@x.io", "p2@x.io", "nobody"] } }).toArray()));
    expect(found).toHaveLength(2);
    expect(scanned).toBe(2);
  });

  it("uses a multikey index for an array element and still returns each document once", async () => {
    let found: unknown[] = [];
    const scanned = await scannedDuring(db, async () => (found = await people.find({ tags: "t3" }).toArray()));
    expect(found).toHaveLength(COUNT / 10);
    expect(scanned).toBe(COUNT / 10);
  });

  it("examines every document for a filter on an unindexed field", async () => {
    const scanned = await scannedDuring(db, () => people.findOne({ name: "n5" }));
    expect(scanned).toBeGreaterThanOrEqual(6);
    const all = await scannedDuring(db, () => people.find({ name: "missing" }).toArray());
    expect(all).toBe(COUNT);
  });

  it("finds the target of an update through the index", async () => {
    const scanned = await scannedDuring(db, () => people.updateOne({ email: "p42@x.io" }, { $set: { vip: true } }));
    expect(scanned).toBe(1);
    expect(await people.countDocuments({ vip: true })).toBe(1);
  });

  it("uses the _id index for _id equality", async () => {
    const doc = await people.findOne({ email: "p7@x.io" });
    const scanned = await scannedDuring(db, () => people.findOne({ _id: doc!._id }));
    expect(scanned).toBe(1);
  });
});
