/**
 * CRUD through the driver: inserts, finds (projection, sort, batching), the update operators,
 * upserts, deletes, findAndModify, counts, distinct, aggregation and bulk writes. The errors
 * for bad updates, filters and hints are in crud-errors.it.test.ts.
 */
import {
  MongoBulkWriteError, MongoClient, ObjectId, Timestamp, type Collection, type CommandStartedEvent, type Db, type Document, type UpdateFilter,
} from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestMongo, type TestMongo } from "#test/helpers/mongo.ts";

/** Documents of any shape, with any `_id` type (the driver assumes ObjectId otherwise). */
type Doc = { _id?: string | number | boolean | null | Date | import("mongodb").ObjectId | import("mongodb").Long | import("mongodb").Decimal128 | import("mongodb").Binary; [key: string]: any };

let mongo: TestMongo;
let db: Db;
let seq = 0;
/** A fresh collection name per test, so tests never see each other's documents. */
const fresh = (docs?: Document[]) => {
  const coll = db.collection<Doc>(`c${++seq}`);
  return docs ? coll.insertMany(docs).then(() => coll) : Promise.resolve(coll);
};

beforeAll(async () => {
  mongo = await startTestMongo();
  db = mongo.freshDatabase("crud");
});

afterAll(async () => {
  await mongo?.close();
});

describe("insert", () => {
  it("inserts one and many documents, adding ObjectId _ids when missing", async () => {
    const coll = await fresh();

    const one = await coll.insertOne({ a: 1 });
    const many = await coll.insertMany([{ _id: "x", a: 2 }, { a: 3 }]);

    expect(one.insertedId).toBeInstanceOf(ObjectId);
    expect(many.insertedCount).toBe(2);
    expect(many.insertedIds[0]).toBe("x");
    expect(await coll.countDocuments()).toBe(3);
  });

  it("stops an ordered insertMany at a duplicate _id, reporting its index and the partial count", async () => {
    const coll = await fresh();

    const error = await coll.insertMany([{ _id: 1 }, { _id: 1 }, { _id: 2 }]).catch((e) => e);

    expect(error).toBeInstanceOf(MongoBulkWriteError);
    expect(error.insertedCount).toBe(1);
    expect(error.writeErrors.map((w: Document) => [w.index, w.code])).toEqual([[1, 11000]]);
    expect(error.writeErrors[0].errmsg).toMatch(/^E11000 duplicate key error collection: .* index: _id_ dup key: \{ _id: 1 \}$/);
    expect(await coll.find().toArray()).toEqual([{ _id: 1 }]);
  });

  it("continues an unordered insertMany past duplicates, reporting every failing index", async () => {
    const coll = await fresh();

    const error = await coll.insertMany([{ _id: 1 }, { _id: 1 }, { _id: 2 }, { _id: 2 }, { _id: 3 }], { ordered: false }).catch((e) => e);

    expect(error).toBeInstanceOf(MongoBulkWriteError);
    expect(error.insertedCount).toBe(3);
    expect(error.writeErrors.map((w: Document) => [w.index, w.code])).toEqual([[1, 11000], [3, 11000]]);
    expect(await coll.countDocuments()).toBe(3);
  });
});

describe("find", () => {
  let coll: Collection<Doc>;
  const docs = Array.from({ length: 10 }, (_, i) => ({ _id: i, n: i, g: i % 3, arr: [i, i + 1, i + 2, i + 3], items: [{ k: "a", v: i }, { k: "b", v: i * 10 }] }));

  beforeAll(async () => {
    coll = await fresh(docs.map((d) => structuredClone(d)));
  });

  it("filters, sorts, skips and limits", async () => {
    const found = await coll.find({ n: { $gte: 2 } }, { projection: { _id: 1 } }).sort({ g: -1, n: 1 }).skip(1).limit(3).toArray();

    expect(found.map((d) => d._id)).toEqual([5, 8, 4]);
  });

  it("projects with inclusion and exclusion", async () => {
    const include = await coll.findOne({ _id: 1 }, { projection: { n: 1 } });
    const exclude = await coll.findOne({ _id: 1 }, { projection: { arr: 0, items: 0 } });

    expect(include).toEqual({ _id: 1, n: 1 });
    expect(exclude).toEqual({ _id: 1, n: 1, g: 1 });
  });

  it("keeps every other field when a projection holds only $slice", async () => {
    const slice = await coll.findOne({ _id: 1 }, { projection: { arr: { $slice: -2 } } });

    expect(slice).toEqual({ _id: 1, n: 1, g: 1, arr: [3, 4], items: [{ k: "a", v: 1 }, { k: "b", v: 10 }] });
  });

  it("combines $slice with an exclusion projection", async () => {
    const slice = await coll.findOne({ _id: 1 }, { projection: { arr: { $slice: -2 }, items: 0 } });

    expect(slice).toEqual({ _id: 1, n: 1, g: 1, arr: [3, 4] });
  });

  it("combines $slice [skip, limit] with an inclusion projection", async () => {
    const slice = await coll.findOne({ _id: 1 }, { projection: { arr: { $slice: [1, 2] }, n: 1 } });

    expect(slice).toEqual({ _id: 1, n: 1, arr: [2, 3] });
  });

  it("projects the first matching element with $elemMatch, and computed fields with expressions", async () => {
    const elemMatch = await coll.findOne({ _id: 2 }, { projection: { items: { $elemMatch: { v: { $gt: 5 } } } } });
    const computed = await coll.findOne({ _id: 3 }, { projection: { _id: 0, total: { $add: ["$n", "$g"] }, first: { $first: "$arr" } } });

    expect(elemMatch).toEqual({ _id: 2, items: [{ k: "b", v: 20 }] });
    expect(computed).toEqual({ total: 3, first: 3 });
  });

  it("projects the first matching array element with the positional $", async () => {
    const found = await coll.findOne({ _id: 4, "items.k": "b" }, { projection: { "items.$": 1 } });

    expect(found).toEqual({ _id: 4, items: [{ k: "b", v: 40 }] });
  });

  it("returns results in batches through several getMores", async () => {
    const started: CommandStartedEvent[] = [];
    const client = new MongoClient(mongo.uri, { monitorCommands: true, serverSelectionTimeoutMS: 5_000 });
    client.on("commandStarted", (event) => started.push(event));
    try {
      const all = await client.db(db.databaseName).collection<Doc>(coll.collectionName).find({}, { batchSize: 3 }).sort({ _id: 1 }).toArray();

      expect(all.map((d) => d._id)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(started.filter((e) => e.commandName === "getMore")).toHaveLength(3);
    } finally {
      await client.close();
    }
  });

  it("returns a single batch and closes the cursor for a negative limit and for singleBatch", async () => {
    const single = await db.command({ find: coll.collectionName, sort: { _id: 1 }, batchSize: 2, singleBatch: true });
    const negative = await coll.find({}, { limit: -4, batchSize: 2 }).sort({ _id: 1 }).toArray();

    expect(single.cursor.firstBatch.map((d: Document) => d._id)).toEqual([0, 1]);
    expect(Number(single.cursor.id)).toBe(0);
    expect(negative.map((d) => d._id)).toEqual([0, 1]);
  });

  it("rejects a negative limit in the find command itself with code 51024", async () => {
    await expect(db.command({ find: coll.collectionName, limit: -3 })).rejects.toMatchObject({ code: 51024 });
  });
});

describe("update operators", () => {
  it("applies $set $unset $inc $mul $min $max $rename", async () => {
    const coll = await fresh([{ _id: 1, a: 1, b: 2, n: 5, p: 4, lo: 5, hi: 5, old: "x", gone: true }]);

    const result = await coll.updateOne({ _id: 1 }, {
      $set: { a: 10, "deep.er": 1 }, $unset: { gone: "" }, $inc: { n: 2 }, $mul: { p: 1.5 },
      $min: { lo: 1 }, $max: { hi: 10 }, $rename: { old: "renamed" },
    });

    expect(result).toMatchObject({ matchedCount: 1, modifiedCount: 1, upsertedCount: 0, upsertedId: null });
    expect(await coll.findOne({ _id: 1 })).toEqual({ _id: 1, a: 10, b: 2, n: 7, p: 6, lo: 1, hi: 10, deep: { er: 1 }, renamed: "x" });
  });

  it("sets dates and timestamps with $currentDate", async () => {
    const coll = await fresh([{ _id: 1 }]);
    const before = Date.now();

    await coll.updateOne({ _id: 1 }, { $currentDate: { d: true, t: { $type: "timestamp" }, d2: { $type: "date" } } } as Document as UpdateFilter<Doc>);

    const doc = await coll.findOne({ _id: 1 });
    expect(doc!.d).toBeInstanceOf(Date);
    expect(doc!.d2).toBeInstanceOf(Date);
    expect(doc!.d.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(doc!.t).toBeInstanceOf(Timestamp);
  });

  it("applies $push with $each, $position, $sort and $slice", async () => {
    const coll = await fresh([{ _id: 1, a: [3], b: [1, 2], s: [{ x: 2 }, { x: 9 }] }]);

    await coll.updateOne({ _id: 1 }, {
      $push: { a: { $each: [5, 1, 4], $sort: 1, $slice: 3 }, b: { $each: [0], $position: 0 }, s: { $each: [{ x: 5 }], $sort: { x: -1 }, $slice: 2 } },
    } as Document as UpdateFilter<Doc>);
    await coll.updateOne({ _id: 1 }, { $push: { c: 1 } } as Document as UpdateFilter<Doc>);

    expect(await coll.findOne({ _id: 1 })).toEqual({ _id: 1, a: [1, 3, 4], b: [0, 1, 2], s: [{ x: 9 }, { x: 5 }], c: [1] });
  });

  it("applies $addToSet $pull $pullAll $pop", async () => {
    const coll = await fresh([{ _id: 1, tags: ["a", "b"], nums: [1, 5, 7, 2, 8], all: [1, 2, 3, 1], front: [1, 2, 3], back: [1, 2, 3], objs: [{ k: 1 }, { k: 2 }] }]);

    await coll.updateOne({ _id: 1 }, {
      $addToSet: { tags: { $each: ["b", "c"] } }, $pull: { nums: { $gte: 5 }, objs: { k: 2 } }, $pullAll: { all: [1, 3] }, $pop: { front: -1, back: 1 },
    } as Document as UpdateFilter<Doc>);

    expect(await coll.findOne({ _id: 1 })).toEqual({ _id: 1, tags: ["a", "b", "c"], nums: [1, 2], all: [2], front: [2, 3], back: [1, 2], objs: [{ k: 1 }] });
  });

  it("updates the matched element with $, every element with $[] and filtered ones with $[<id>]", async () => {
    const coll = await fresh([{ _id: 1, grades: [80, 95, 100], marks: [1, 2], items: [{ q: 1 }, { q: 6 }, { q: 9 }] }]);

    await coll.updateOne({ _id: 1, grades: 95 }, { $set: { "grades.$": 96 } });
    await coll.updateOne({ _id: 1 }, { $inc: { "marks.$[]": 10 } });
    await coll.updateOne({ _id: 1 }, { $set: { "items.$[big].flag": true } }, { arrayFilters: [{ "big.q": { $gt: 5 } }] });

    expect(await coll.findOne({ _id: 1 })).toEqual({ _id: 1, grades: [80, 96, 100], marks: [11, 12], items: [{ q: 1 }, { q: 6, flag: true }, { q: 9, flag: true }] });
  });

  it("counts matched and modified separately in updateMany, no-ops not modified", async () => {
    const coll = await fresh([{ _id: 1, s: "a" }, { _id: 2, s: "b" }, { _id: 3, s: "b" }, { _id: 4, s: "c" }]);

    const result = await coll.updateMany({ _id: { $lte: 3 } }, { $set: { s: "b" } });

    expect(result).toMatchObject({ matchedCount: 3, modifiedCount: 1 });
  });

  it("replaces a document keeping its _id, and runs pipeline updates", async () => {
    const coll = await fresh([{ _id: 1, a: 1, b: 2 }, { _id: 2, a: 3, b: 4 }]);

    const replaced = await coll.replaceOne({ _id: 1 }, { z: true });
    await coll.updateOne({ _id: 2 }, [{ $set: { total: { $add: ["$a", "$b"] } } }, { $unset: "a" }]);

    expect(replaced).toMatchObject({ matchedCount: 1, modifiedCount: 1 });
    expect(await coll.find().sort({ _id: 1 }).toArray()).toEqual([{ _id: 1, z: true }, { _id: 2, b: 4, total: 7 }]);
  });

  it("upserts with equality fields of the query and $setOnInsert, reporting the upserted id", async () => {
    const coll = await fresh([{ _id: 1, k: "existing", n: 0 }]);

    const inserted = await coll.updateOne({ k: "new", n: { $gt: 5 } }, { $set: { v: 1 }, $setOnInsert: { created: true } }, { upsert: true });
    const matched = await coll.updateOne({ k: "existing" }, { $set: { v: 2 }, $setOnInsert: { created: true } }, { upsert: true });
    const withId = await coll.replaceOne({ _id: 7 }, { r: 1 }, { upsert: true });

    expect(inserted).toMatchObject({ matchedCount: 0, modifiedCount: 0, upsertedCount: 1 });
    expect(inserted.upsertedId).toBeInstanceOf(ObjectId);
    expect(await coll.findOne({ _id: inserted.upsertedId! })).toEqual({ _id: inserted.upsertedId, k: "new", v: 1, created: true });
    expect(matched).toMatchObject({ matchedCount: 1, modifiedCount: 1, upsertedCount: 0, upsertedId: null });
    expect(await coll.findOne({ _id: 1 })).toEqual({ _id: 1, k: "existing", n: 0, v: 2 });
    expect(withId).toMatchObject({ upsertedCount: 1, upsertedId: 7 });
    expect(await coll.findOne({ _id: 7 })).toEqual({ _id: 7, r: 1 });
  });
});

describe("delete and findAndModify", () => {
  it("deletes one and many", async () => {
    const coll = await fresh([{ _id: 1, t: "a" }, { _id: 2, t: "a" }, { _id: 3, t: "b" }, { _id: 4, t: "a" }]);

    const one = await coll.deleteOne({ t: "a" });
    const many = await coll.deleteMany({ t: "a" });
    const none = await coll.deleteMany({ t: "zzz" });

    expect([one.deletedCount, many.deletedCount, none.deletedCount]).toEqual([1, 2, 0]);
    expect(await coll.find().toArray()).toEqual([{ _id: 3, t: "b" }]);
  });

  it("findOneAndUpdate returns the document before or after, honouring sort and projection", async () => {
    const coll = await fresh([{ _id: 1, q: 1, n: 0 }, { _id: 2, q: 2, n: 0 }]);

    const before = await coll.findOneAndUpdate({}, { $inc: { n: 1 } }, { sort: { q: -1 }, returnDocument: "before" });
    const after = await coll.findOneAndUpdate({}, { $inc: { n: 1 } }, { sort: { q: -1 }, returnDocument: "after", projection: { _id: 0, n: 1 } });
    const missing = await coll.findOneAndUpdate({ q: 99 }, { $set: { n: 1 } });

    expect(before).toEqual({ _id: 2, q: 2, n: 0 });
    expect(after).toEqual({ n: 2 });
    expect(missing).toBeNull();
  });

  it("findOneAndUpdate upserts, returning the new document after or null before", async () => {
    const coll = await fresh();

    const after = await coll.findOneAndUpdate({ _id: 1 }, { $set: { a: 1 } }, { upsert: true, returnDocument: "after" });
    const before = await coll.findOneAndUpdate({ _id: 2 }, { $set: { a: 2 } }, { upsert: true, returnDocument: "before" });

    expect(after).toEqual({ _id: 1, a: 1 });
    expect(before).toBeNull();
    expect(await coll.countDocuments()).toBe(2);
  });

  it("findOneAndReplace and findOneAndDelete return the right documents", async () => {
    const coll = await fresh([{ _id: 1, v: "a" }, { _id: 2, v: "b" }]);

    const replaced = await coll.findOneAndReplace({ _id: 1 }, { v: "A" }, { returnDocument: "after" });
    const deleted = await coll.findOneAndDelete({}, { sort: { _id: -1 } });
    const meta = await coll.findOneAndDelete({ _id: 42 }, { includeResultMetadata: true });

    expect(replaced).toEqual({ _id: 1, v: "A" });
    expect(deleted).toEqual({ _id: 2, v: "b" });
    expect(meta).toMatchObject({ value: null, lastErrorObject: { n: 0 }, ok: 1 });
    expect(await coll.find().toArray()).toEqual([{ _id: 1, v: "A" }]);
  });
});

describe("counts, distinct and aggregate", () => {
  let orders: Collection<Doc>;

  beforeAll(async () => {
    orders = db.collection<Doc>("orders");
    await orders.insertMany([
      { _id: 1, cust: "x", items: ["a", "b"], amount: 10 },
      { _id: 2, cust: "y", items: ["b"], amount: 20 },
      { _id: 3, cust: "x", items: ["c", "a"], amount: 30 },
    ]);
    await db.collection<Doc>("customers").insertMany([{ _id: "x", name: "Xena" }, { _id: "y", name: "Yuri" }]);
  });

  it("counts documents and estimates the collection size", async () => {
    expect(await orders.countDocuments({ cust: "x" })).toBe(2);
    expect(await orders.countDocuments({}, { skip: 1, limit: 1 })).toBe(1);
    expect(await orders.estimatedDocumentCount()).toBe(3);
  });

  it("returns distinct values, unwinding arrays", async () => {
    expect((await orders.distinct("items")).sort()).toEqual(["a", "b", "c"]);
    expect((await orders.distinct("cust", { amount: { $gt: 25 } }))).toEqual(["x"]);
  });

  it("runs $match $unwind $group $sort $project", async () => {
    const result = await orders.aggregate([
      { $match: { amount: { $gte: 10 } } }, { $unwind: "$items" },
      { $group: { _id: "$items", total: { $sum: "$amount" }, n: { $sum: 1 } } },
      { $sort: { total: -1, _id: 1 } }, { $project: { _id: 0, item: "$_id", total: 1, n: 1 } },
    ]).toArray();

    expect(result).toEqual([{ total: 40, n: 2, item: "a" }, { total: 30, n: 2, item: "b" }, { total: 30, n: 1, item: "c" }]);
  });

  it("joins another collection of the same database with $lookup, and splits with $facet", async () => {
    const joined = await orders.aggregate([{ $match: { _id: 2 } }, { $lookup: { from: "customers", localField: "cust", foreignField: "_id", as: "who" } }]).toArray();
    const [facets] = await orders.aggregate([{ $facet: { big: [{ $match: { amount: { $gt: 15 } } }, { $count: "n" }], ids: [{ $project: { _id: 1 } }] } }]).toArray();

    expect(joined).toEqual([{ _id: 2, cust: "y", items: ["b"], amount: 20, who: [{ _id: "y", name: "Yuri" }] }]);
    expect(facets).toEqual({ big: [{ n: 2 }], ids: [{ _id: 1 }, { _id: 2 }, { _id: 3 }] });
  });

  it("writes results with $out and $merge", async () => {
    await orders.aggregate([{ $group: { _id: "$cust", total: { $sum: "$amount" } } }, { $out: "totals" }]).toArray();
    await orders.aggregate([{ $match: { _id: 1 } }, { $project: { total: { $literal: 0 } } }, { $set: { _id: "z" } }, { $merge: { into: "totals" } }]).toArray();

    expect(await db.collection<Doc>("totals").find().sort({ _id: 1 }).toArray()).toEqual([{ _id: "x", total: 40 }, { _id: "y", total: 20 }, { _id: "z", total: 0 }]);
  });

  it("returns a large aggregate result through getMore batches", async () => {
    const coll = await fresh(Array.from({ length: 7 }, (_, i) => ({ _id: i })));

    const first = await db.command({ aggregate: coll.collectionName, pipeline: [{ $sort: { _id: 1 } }], cursor: { batchSize: 3 } }, { promoteLongs: false });
    const more = await db.command({ getMore: first.cursor.id, collection: coll.collectionName, batchSize: 3 }, { promoteLongs: false });
    const last = await db.command({ getMore: first.cursor.id, collection: coll.collectionName, batchSize: 3 }, { promoteLongs: false });

    expect(first.cursor.firstBatch.map((d: Document) => d._id)).toEqual([0, 1, 2]);
    expect(more.cursor.nextBatch.map((d: Document) => d._id)).toEqual([3, 4, 5]);
    expect(last.cursor.nextBatch.map((d: Document) => d._id)).toEqual([6]);
    expect(last.cursor.id.isZero()).toBe(true);
  });
});

describe("bulkWrite", () => {
  it("stops an ordered bulkWrite at the first error, reporting its index", async () => {
    const coll = await fresh([{ _id: 1 }]);

    const error = await coll.bulkWrite([
      { insertOne: { document: { _id: 2 } } }, { insertOne: { document: { _id: 1 } } }, { updateOne: { filter: { _id: 2 }, update: { $set: { x: 1 } } } },
    ]).catch((e) => e);

    expect(error).toBeInstanceOf(MongoBulkWriteError);
    expect(error.writeErrors.map((w: Document) => [w.index, w.code])).toEqual([[1, 11000]]);
    expect(error.result.insertedCount).toBe(1);
    expect(await coll.find().sort({ _id: 1 }).toArray()).toEqual([{ _id: 1 }, { _id: 2 }]);
  });

  it("runs every operation of an unordered bulkWrite, reporting errors at their original indexes", async () => {
    const coll = await fresh([{ _id: 1, n: 0 }]);

    const error = await coll.bulkWrite([
      { insertOne: { document: { _id: 1 } } }, { updateOne: { filter: { _id: 1 }, update: { $inc: { n: 1 } } } },
      { insertOne: { document: { _id: 2 } } }, { updateOne: { filter: { _id: 2 }, update: { $inc: { n: "x" } } } as never },
      { deleteOne: { filter: { _id: 99 } } },
    ], { ordered: false }).catch((e) => e);

    expect(error).toBeInstanceOf(MongoBulkWriteError);
    expect(error.writeErrors.map((w: Document) => [w.index, w.code]).sort()).toEqual([[0, 11000], [3, 14]]);
    expect(error.result).toMatchObject({ insertedCount: 1, matchedCount: 1, modifiedCount: 1, deletedCount: 0 });
    expect(await coll.find().sort({ _id: 1 }).toArray()).toEqual([{ _id: 1, n: 1 }, { _id: 2 }]);
  });
});
