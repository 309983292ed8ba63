/**
 * Indexes: creating, listing and dropping them; unique constraints (plain, compound, sparse,
 * partial) on every kind of write; option conflicts; and indexed reads that return exactly what
 * an unindexed copy of the same data returns.
 */
import { Decimal128, Long, MongoServerError, type Collection, type Db, type Document } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestMongo, type TestMongo } from "#test/helpers/mongo.ts";

/** Documents of any shape, with any `_id` type (the driver assumes ObjectId otherwise). */
type Doc = { _id?: string | number | boolean | null | Date | import("mongodb").ObjectId | import("mongodb").Long | import("mongodb").Decimal128 | import("mongodb").Binary; [key: string]: any };

let mongo: TestMongo;
let db: Db;
let seq = 0;
const fresh = (): Collection<Doc> => db.collection<Doc>(`i${++seq}`);

beforeAll(async () => {
  mongo = await startTestMongo();
  db = mongo.freshDatabase("indexes");
});

afterAll(async () => {
  await mongo?.close();
});

async function failure(promise: Promise<unknown>): Promise<MongoServerError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(MongoServerError);
  return error as MongoServerError;
}

const indexNames = async (coll: Collection<Doc>): Promise<string[]> => (await coll.listIndexes().toArray()).map((i) => i.name).sort();

describe("createIndexes, listIndexes, dropIndexes", () => {
  it("creates indexes and lists them with their exact specs", async () => {
    const coll = fresh();
    await coll.insertOne({ a: 1 });

    const reply = await db.command({ createIndexes: coll.collectionName, indexes: [{ key: { a: 1 }, name: "a_1" }, { key: { b: -1, c: 1 }, name: "bc", unique: true }] });

    expect(reply).toEqual({ numIndexesBefore: 1, numIndexesAfter: 3, createdCollectionAutomatically: false, ok: 1 });
    expect(await coll.listIndexes().toArray()).toEqual([
      { v: 2, key: { _id: 1 }, name: "_id_" },
      { v: 2, key: { a: 1 }, name: "a_1" },
      { v: 2, key: { b: -1, c: 1 }, name: "bc", unique: true },
    ]);
  });

  it("names an index from its key pattern and treats re-creating it as a no-op", async () => {
    const coll = fresh();

    const name = await coll.createIndex({ "x.y": 1, z: -1 });
    const again = await db.command({ createIndexes: coll.collectionName, indexes: [{ key: { "x.y": 1, z: -1 }, name }] });

    expect(name).toBe("x.y_1_z_-1");
    expect(again).toMatchObject({ numIndexesBefore: 2, numIndexesAfter: 2, ok: 1 });
  });

  it("drops an index by name, by key pattern and all with '*', keeping _id_", async () => {
    const coll = fresh();
    await coll.createIndexes([{ key: { a: 1 } }, { key: { b: 1 } }, { key: { c: 1 } }, { key: { d: 1 } }]);

    const byName = await db.command({ dropIndexes: coll.collectionName, index: "a_1" });
    await db.command({ dropIndexes: coll.collectionName, index: { b: 1 } });
    expect(await indexNames(coll)).toEqual(["_id_", "c_1", "d_1"]);
    await db.command({ dropIndexes: coll.collectionName, index: "*" });

    expect(byName).toMatchObject({ nIndexesWas: 5, ok: 1 });
    expect(await indexNames(coll)).toEqual(["_id_"]);
  });

  it("refuses to drop the _id_ index with InvalidOptions 72", async () => {
    const coll = fresh();
    await coll.insertOne({});

    const error = await failure(coll.dropIndex("_id_"));

    expect(error).toMatchObject({ code: 72, codeName: "InvalidOptions" });
    expect(await indexNames(coll)).toEqual(["_id_"]);
  });

  it("reports dropping a missing index with IndexNotFound 27", async () => {
    const coll = fresh();
    await coll.createIndex({ a: 1 });

    expect(await failure(coll.dropIndex("nope_1"))).toMatchObject({ code: 27, codeName: "IndexNotFound" });
    expect(await failure(db.command({ dropIndexes: coll.collectionName, index: { nope: 1 } }))).toMatchObject({ code: 27 });
    expect(await indexNames(coll)).toEqual(["_id_", "a_1"]);
  });

  it("rejects an index with the same key and options but a different name with IndexOptionsConflict 85", async () => {
    const coll = fresh();
    await coll.createIndex({ a: 1 });

    expect(await failure(coll.createIndex({ a: 1 }, { name: "other" }))).toMatchObject({ code: 85, codeName: "IndexOptionsConflict" });
    expect(await indexNames(coll)).toEqual(["_id_", "a_1"]);
  });

  it("rejects an index with the same name but a different key with IndexKeySpecsConflict 86", async () => {
    const coll = fresh();
    await coll.createIndex({ a: 1 }, { name: "idx" });

    expect(await failure(coll.createIndex({ b: 1 }, { name: "idx" }))).toMatchObject({ code: 86, codeName: "IndexKeySpecsConflict" });
    expect(await indexNames(coll)).toEqual(["_id_", "idx"]);
  });

  it("rejects an index with the same name and key but a different unique option with IndexKeySpecsConflict 86", async () => {
    const coll = fresh();
    await coll.createIndex({ a: 1 }, { name: "idx" });

    expect(await failure(coll.createIndex({ a: 1 }, { name: "idx", unique: true }))).toMatchObject({ code: 86, codeName: "IndexKeySpecsConflict" });
  });

  it("rejects an index with the same name and key but a different expireAfterSeconds with IndexOptionsConflict 85", async () => {
    const coll = fresh();
    await coll.createIndex({ t: 1 }, { name: "ttl", expireAfterSeconds: 10 });

    expect(await failure(coll.createIndex({ t: 1 }, { name: "ttl", expireAfterSeconds: 20 }))).toMatchObject({ code: 85, codeName: "IndexOptionsConflict" });
  });
});

describe("unique indexes", () => {
  it("rejects a duplicate insert with 11000, keyPattern and keyValue", async () => {
    const coll = fresh();
    await coll.createIndex({ email: 1 }, { unique: true });
    await coll.insertOne({ _id: 1, email: "a@x" });

    const error = await failure(coll.insertOne({ _id: 2, email: "a@x" }));

    expect(error.code).toBe(11000);
    expect(error.keyPattern).toEqual({ email: 1 });
    expect(error.keyValue).toEqual({ email: "a@x" });
    expect(error.message).toBe(`E11000 duplicate key error collection: ${db.databaseName}.${coll.collectionName} index: email_1 dup key: { email: "a@x" }`);
    expect(await coll.countDocuments()).toBe(1);
  });

  it("rejects an update that would duplicate a key, leaving the document unchanged", async () => {
    const coll = fresh();
    await coll.createIndex({ email: 1 }, { unique: true });
    await coll.insertMany([{ _id: 1, email: "a" }, { _id: 2, email: "b" }]);

    const error = await failure(coll.updateOne({ _id: 2 }, { $set: { email: "a" } }));

    expect(error).toMatchObject({ code: 11000, keyPattern: { email: 1 }, keyValue: { email: "a" } });
    expect(error.message.startsWith("E11000 duplicate key error")).toBe(true);
    expect(await coll.findOne({ _id: 2 })).toEqual({ _id: 2, email: "b" });
  });

  it("rejects an upsert that would insert a duplicate key", async () => {
    const coll = fresh();
    await coll.createIndex({ email: 1 }, { unique: true });
    await coll.insertOne({ _id: 1, email: "a", kind: "x" });

    const error = await failure(coll.updateOne({ kind: "y" }, { $set: { email: "a" } }, { upsert: true }));

    expect(error).toMatchObject({ code: 11000, keyPattern: { email: 1 }, keyValue: { email: "a" } });
    expect(await coll.countDocuments()).toBe(1);
  });

  it("treats a missing field as null, so a second document without it is a duplicate", async () => {
    const coll = fresh();
    await coll.createIndex({ u: 1 }, { unique: true });
    await coll.insertOne({ _id: 1 });

    const error = await failure(coll.insertOne({ _id: 2 }));

    expect(error).toMatchObject({ code: 11000, keyValue: { u: null } });
  });

  it("enforces a compound unique index on the combination only", async () => {
    const coll = fresh();
    await coll.createIndex({ a: 1, b: 1 }, { unique: true });
    await coll.insertMany([{ a: 1, b: 1 }, { a: 1, b: 2 }, { a: 2, b: 1 }]);

    const error = await failure(coll.insertOne({ a: 1, b: 2 }));

    expect(error).toMatchObject({ code: 11000, keyPattern: { a: 1, b: 1 }, keyValue: { a: 1, b: 2 } });
    expect(await coll.countDocuments()).toBe(3);
  });

  it("lets a sparse unique index hold many documents missing the field, not two equal values", async () => {
    const coll = fresh();
    await coll.createIndex({ s: 1 }, { unique: true, sparse: true });

    await coll.insertMany([{ _id: 1 }, { _id: 2 }, { _id: 3, s: "v" }]);
    const error = await failure(coll.insertOne({ _id: 4, s: "v" }));

    expect(error).toMatchObject({ code: 11000, keyValue: { s: "v" } });
    expect(await coll.countDocuments()).toBe(3);
  });

  it("applies a partial unique index only to documents matching its partialFilterExpression", async () => {
    const coll = fresh();
    await coll.createIndex({ user: 1 }, { unique: true, partialFilterExpression: { active: true } });

    await coll.insertMany([{ user: "u", active: true }, { user: "u", active: false }, { user: "u", active: false }]);
    const error = await failure(coll.insertOne({ user: "u", active: true }));

    expect(error).toMatchObject({ code: 11000, keyValue: { user: "u" } });
    expect(await coll.countDocuments({ user: "u" })).toBe(3);
  });

  it("fails to build a unique index over existing duplicates with 11000, leaving no index", async () => {
    const coll = fresh();
    await coll.insertMany([{ a: 1 }, { a: 1 }]);

    const error = await failure(coll.createIndex({ a: 1 }, { unique: true }));

    expect(error.code).toBe(11000);
    expect(await indexNames(coll)).toEqual(["_id_"]);
  });

  it("considers every element of an array for a unique multikey index", async () => {
    const coll = fresh();
    await coll.createIndex({ tags: 1 }, { unique: true });
    await coll.insertOne({ _id: 1, tags: ["a", "b"] });

    const error = await failure(coll.insertOne({ _id: 2, tags: ["c", "b"] }));

    expect(error).toMatchObject({ code: 11000, keyValue: { tags: "b" } });
    await coll.insertOne({ _id: 3, tags: ["c", "c"] });
    expect(await coll.countDocuments()).toBe(2);
  });
});

describe("indexed reads return what a collection scan returns", () => {
  let indexed: Collection<Doc>;
  let plain: Collection<Doc>;
  const docs: Document[] = [];
  for (let i = 0; i < 60; i++) {
    docs.push({
      _id: i,
      a: i % 7 === 0 ? `s${i}` : i % 11 === 0 ? null : i % 13 === 0 ? undefined : i % 5 === 0 ? Long.fromNumber(i % 10) : i % 10,
      b: i % 4,
      tags: i % 3 === 0 ? [i % 5, (i + 2) % 5] : i % 3 === 1 ? i % 5 : [],
      when: new Date(Date.UTC(2024, 0, 1 + (i % 20))),
      price: i % 6 === 0 ? Decimal128.fromString(`${i / 2}`) : i / 2,
      nested: { k: `k${i % 6}` },
    });
    if (docs[i].a === undefined) delete docs[i].a;
  }

  beforeAll(async () => {
    indexed = db.collection<Doc>("indexedCopy");
    plain = db.collection<Doc>("plainCopy");
    await indexed.createIndexes([{ key: { a: 1 } }, { key: { tags: 1 } }, { key: { b: 1, a: -1 } }, { key: { when: -1 } }, { key: { price: 1 } }, { key: { "nested.k": 1 } }]);
    await indexed.insertMany(docs.map((d) => ({ ...d })));
    await plain.insertMany(docs.map((d) => ({ ...d })));
  });

  const queries: Array<[string, Document]> = [
    ["equality", { a: 3 }],
    ["equality across numeric types", { a: Long.fromNumber(5) }],
    ["equality on a string", { a: "s14" }],
    ["equality on null (also missing)", { a: null }],
    ["range", { a: { $gt: 2, $lte: 6 } }],
    ["open range", { a: { $gte: 7 } }],
    ["range on strings keeps to its type", { a: { $gte: "s2" } }],
    ["$in with mixed types", { a: { $in: [1, "s21", null, 9] } }],
    ["$nin", { a: { $nin: [1, 2, 3] } }],
    ["$ne", { a: { $ne: 4 } }],
    ["multikey equality", { tags: 2 }],
    ["multikey range met by different elements", { tags: { $gt: 1, $lt: 3 } }],
    ["multikey $elemMatch range", { tags: { $elemMatch: { $gt: 1, $lt: 3 } } }],
    ["multikey $in", { tags: { $in: [0, 4] } }],
    ["multikey empty array", { tags: [] }],
    ["multikey whole-array equality", { tags: [0, 2] }],
    ["compound prefix equality", { b: 2 }],
    ["compound equality and range", { b: 1, a: { $lt: 5 } }],
    ["compound $in and equality", { b: { $in: [0, 3] }, a: 0 }],
    ["date range", { when: { $gte: new Date(Date.UTC(2024, 0, 5)), $lt: new Date(Date.UTC(2024, 0, 9)) } }],
    ["decimal and double range", { price: { $gt: Decimal128.fromString("10"), $lte: 20 } }],
    ["dotted path equality", { "nested.k": "k3" }],
    ["$or over indexed fields", { $or: [{ a: 1 }, { tags: 4 }] }],
    ["$exists false on an indexed field", { a: { $exists: false } }],
  ];

  it.each(queries)("%s", async (_name, filter) => {
    const expected = await plain.find(filter).sort({ _id: 1 }).toArray();

    const actual = await indexed.find(filter).sort({ _id: 1 }).toArray();

    expect(actual).toEqual(expected);
    expect(expected.length).toBeGreaterThan(0);
  });

  it("returns the same results when the index is named in a hint", async () => {
    const expected = await plain.find({ a: { $gt: 2 }, b: 1 }).sort({ _id: 1 }).toArray();

    const byName = await indexed.find({ a: { $gt: 2 }, b: 1 }, { hint: "a_1" }).sort({ _id: 1 }).toArray();
    const byKey = await indexed.find({ a: { $gt: 2 }, b: 1 }, { hint: { b: 1, a: -1 } }).sort({ _id: 1 }).toArray();

    expect(byName).toEqual(expected);
    expect(byKey).toEqual(expected);
  });

  it("sees updates and deletes through the index", async () => {
    await indexed.updateOne({ _id: 1 }, { $set: { a: 999 } });
    await plain.updateOne({ _id: 1 }, { $set: { a: 999 } });
    await indexed.deleteMany({ a: 3 });
    await plain.deleteMany({ a: 3 });

    expect(await indexed.find({ a: 999 }).toArray()).toEqual(await plain.find({ a: 999 }).toArray());
    expect(await indexed.countDocuments({ a: 1 })).toBe(await plain.countDocuments({ a: 1 }));
    expect(await indexed.countDocuments({ a: 3 })).toBe(0);
  });
});
