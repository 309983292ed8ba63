/**
 * Command options beyond the basics: `let` variables, `comment`, `hint`, collation, and the
 * database-level aggregation sources `$documents` and `$listLocalSessions`.
 */
import { MongoClient, MongoServerError, type CommandStartedEvent, type Db } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestMongo, type TestMongo } from "#test/helpers/mongo.ts";

/** Documents of any shape, with any `_id` type (the driver assumes ObjectId otherwise). */
type Doc = { _id?: string | number | boolean | null | Date | import("mongodb").ObjectId | import("mongodb").Long | import("mongodb").Decimal128 | import("mongodb").Binary; [key: string]: any };

let mongo: TestMongo;
let db: Db;

beforeAll(async () => {
  mongo = await startTestMongo();
  db = mongo.freshDatabase("extras");
  await db.collection<Doc>("stock").insertMany([
    { _id: 1, item: "a", qty: 2, cat: "x" },
    { _id: 2, item: "b", qty: 7, cat: "y" },
    { _id: 3, item: "c", qty: 12, cat: "x" },
  ]);
});

afterAll(async () => {
  await mongo?.close();
});

describe("let variables", () => {
  it("binds let variables in a find filter's $expr", async () => {
    const found = await db.collection<Doc>("stock").find({ $expr: { $gt: ["$qty", "$$min"] } }, { let: { min: 5 } }).sort({ _id: 1 }).toArray();

    expect(found.map((d) => d._id)).toEqual([2, 3]);
  });

  it("binds let variables throughout an aggregate pipeline", async () => {
    const result = await db.collection<Doc>("stock").aggregate([
      { $match: { $expr: { $eq: ["$cat", "$$wanted"] } } },
      { $project: { _id: 1, scaled: { $multiply: ["$qty", "$$factor"] } } },
      { $sort: { _id: 1 } },
    ], { let: { wanted: "x", factor: 10 } }).toArray();

    expect(result).toEqual([{ _id: 1, scaled: 20 }, { _id: 3, scaled: 120 }]);
  });

  it("binds let variables in an update's filter and pipeline", async () => {
    const coll = db.collection<Doc>("letUpdate");
    await coll.insertMany([{ _id: 1, qty: 1 }, { _id: 2, qty: 9 }]);

    const result = await coll.updateMany({ $expr: { $gt: ["$qty", "$$min"] } }, [{ $set: { label: "$$label" } }], { let: { min: 5, label: "big" } });

    expect(result).toMatchObject({ matchedCount: 1, modifiedCount: 1 });
    expect(await coll.find().sort({ _id: 1 }).toArray()).toEqual([{ _id: 1, qty: 1 }, { _id: 2, qty: 9, label: "big" }]);
  });

  it("binds let variables in delete and findOneAndUpdate", async () => {
    const coll = db.collection<Doc>("letOther");
    await coll.insertMany([{ _id: 1, v: 1 }, { _id: 2, v: 2 }, { _id: 3, v: 3 }]);

    const deleted = await coll.deleteMany({ $expr: { $eq: ["$v", "$$gone"] } }, { let: { gone: 2 } });
    const updated = await coll.findOneAndUpdate({ $expr: { $eq: ["$v", "$$target"] } }, [{ $set: { v: { $add: ["$v", "$$step"] } } }], { let: { target: 3, step: 10 }, returnDocument: "after" });

    expect(deleted.deletedCount).toBe(1);
    expect(updated).toEqual({ _id: 3, v: 13 });
  });

  it("rejects a reference to an undefined variable with code 17276", async () => {
    await expect(db.collection<Doc>("stock").find({ $expr: { $eq: ["$qty", "$$undefinedVar"] } }).toArray()).rejects.toMatchObject({ code: 17276 });
  });
});

describe("comment", () => {
  it("accepts a comment on reads and writes, sending it to the server", async () => {
    const started: CommandStartedEvent[] = [];
    const client = new MongoClient(mongo.uri, { monitorCommands: true, serverSelectionTimeoutMS: 5_000 });
    client.on("commandStarted", (event) => started.push(event));
    try {
      const coll = client.db(db.databaseName).collection<Doc>("commented");

      await coll.insertOne({ _id: 1 }, { comment: "inserting" });
      const found = await coll.find({}, { comment: { why: "reading" } }).toArray();
      const agg = await coll.aggregate([{ $count: "n" }], { comment: "counting" }).toArray();
      await coll.updateOne({ _id: 1 }, { $set: { a: 1 } }, { comment: "updating" });
      await coll.deleteOne({ _id: 1 }, { comment: "deleting" });

      expect(found).toEqual([{ _id: 1 }]);
      expect(agg).toEqual([{ n: 1 }]);
      const comments = started.filter((e) => e.command.comment !== undefined).map((e) => [e.commandName, e.command.comment]);
      expect(comments).toEqual([["insert", "inserting"], ["find", { why: "reading" }], ["aggregate", "counting"], ["update", "updating"], ["delete", "deleting"]]);
    } finally {
      await client.close();
    }
  });
});

describe("hint", () => {
  beforeAll(async () => {
    await db.collection<Doc>("stock").createIndex({ qty: 1 }, { name: "by_qty" });
  });

  it("accepts a hint naming an index by name or by key pattern", async () => {
    const byName = await db.collection<Doc>("stock").find({ qty: { $gt: 5 } }, { hint: "by_qty" }).sort({ _id: 1 }).toArray();
    const byKey = await db.collection<Doc>("stock").find({ qty: { $gt: 5 } }, { hint: { qty: 1 } }).sort({ _id: 1 }).toArray();
    const byId = await db.collection<Doc>("stock").find({ qty: { $gt: 5 } }, { hint: { _id: 1 } }).sort({ _id: 1 }).toArray();

    expect(byName.map((d) => d._id)).toEqual([2, 3]);
    expect(byKey).toEqual(byName);
    expect(byId).toEqual(byName);
  });

  it("accepts a hint on count, aggregate, update and delete", async () => {
    const coll = db.collection<Doc>("hinted");
    await coll.insertMany([{ _id: 1, k: 1 }, { _id: 2, k: 2 }]);
    await coll.createIndex({ k: 1 });

    const count = await coll.countDocuments({ k: 2 }, { hint: "k_1" });
    const agg = await coll.aggregate([{ $match: { k: { $gte: 1 } } }], { hint: { k: 1 } }).toArray();
    const updated = await coll.updateOne({ k: 1 }, { $set: { seen: true } }, { hint: "k_1" });
    const deleted = await coll.deleteOne({ k: 2 }, { hint: { k: 1 } });

    expect(count).toBe(1);
    expect(agg).toHaveLength(2);
    expect(updated.modifiedCount).toBe(1);
    expect(deleted.deletedCount).toBe(1);
  });

  it("rejects an update whose hint names no index with BadValue 2", async () => {
    await expect(db.collection<Doc>("stock").updateOne({ qty: 2 }, { $set: { x: 1 } }, { hint: "missing_1" })).rejects.toMatchObject({ code: 2, codeName: "BadValue" });
    expect(await db.collection<Doc>("stock").findOne({ _id: 1 })).toEqual({ _id: 1, item: "a", qty: 2, cat: "x" });
  });
});

describe("collation", () => {
  const words = ["cafe", "Café", "CAFE", "apple", "Banana", "cherry"];

  beforeAll(async () => {
    await db.collection<Doc>("words").insertMany(words.map((w, i) => ({ _id: i, w })));
  });

  it("matches case- and accent-insensitively at strength 1", async () => {
    const found = await db.collection<Doc>("words").find({ w: "cafe" }, { collation: { locale: "en", strength: 1 } }).sort({ _id: 1 }).toArray();

    expect(found.map((d) => d.w)).toEqual(["cafe", "Café", "CAFE"]);
  });

  it("matches case-insensitively but accent-sensitively at strength 2", async () => {
    const found = await db.collection<Doc>("words").find({ w: "cafe" }, { collation: { locale: "en", strength: 2 } }).sort({ _id: 1 }).toArray();

    expect(found.map((d) => d.w)).toEqual(["cafe", "CAFE"]);
  });

  it("sorts by the locale's order with a collation, and by binary order without", async () => {
    const filter = { w: { $in: ["apple", "Banana", "cherry"] } };

    const collated = await db.collection<Doc>("words").find(filter, { collation: { locale: "en", strength: 2 } }).sort({ w: 1 }).toArray();
    const binary = await db.collection<Doc>("words").find(filter).sort({ w: 1 }).toArray();

    expect(collated.map((d) => d.w)).toEqual(["apple", "Banana", "cherry"]);
    expect(binary.map((d) => d.w)).toEqual(["Banana", "apple", "cherry"]);
  });

  it("folds values that compare equal under the collation in distinct", async () => {
    const strength1 = await db.collection<Doc>("words").distinct("w", { w: { $regex: /^c/i } }, { collation: { locale: "en", strength: 1 } });
    const strength2 = await db.collection<Doc>("words").distinct("w", { w: { $regex: /^c/i } }, { collation: { locale: "en", strength: 2 } });

    expect(strength1).toHaveLength(2);
    expect(strength1).toContain("cherry");
    expect(strength2).toHaveLength(3);
    expect(strength2).toEqual(expect.arrayContaining(["cherry", "Café"]));
  });

  it("compares binary with the simple collation", async () => {
    const found = await db.collection<Doc>("words").find({ w: "cafe" }, { collation: { locale: "simple" } }).toArray();

    expect(found.map((d) => d.w)).toEqual(["cafe"]);
  });

  it("uses a collection's default collation when a query names none", async () => {
    await db.createCollection("ci", { collation: { locale: "en", strength: 2 } });
    await db.collection<Doc>("ci").insertMany([{ _id: 1, w: "Hello" }, { _id: 2, w: "hello" }, { _id: 3, w: "other" }]);

    const found = await db.collection<Doc>("ci").find({ w: "HELLO" }).sort({ _id: 1 }).toArray();
    const simple = await db.collection<Doc>("ci").find({ w: "HELLO" }, { collation: { locale: "simple" } }).toArray();

    expect(found.map((d) => d._id)).toEqual([1, 2]);
    expect(simple).toEqual([]);
  });

  it("rejects an unknown collation field with code 40415", async () => {
    await expect(db.collection<Doc>("words").find({}, { collation: { locale: "en", shade: 1 } as never }).toArray()).rejects.toMatchObject({ code: 40415, message: "BSON field 'collation.shade' is an unknown field." });
  });

  it("rejects an unknown collation locale with BadValue 2", async () => {
    await expect(db.collection<Doc>("words").find({}, { collation: { locale: "no_such_locale" } }).toArray()).rejects.toMatchObject({
      code: 2, codeName: "BadValue", message: "Field 'locale' is invalid in: { locale: \"no_such_locale\" }",
    });
  });
});

describe("database-level aggregation sources", () => {
  it("produces documents from $documents on db.aggregate", async () => {
    const result = await db.aggregate([{ $documents: [{ x: 1 }, { x: 2 }, { x: 3 }] }, { $match: { x: { $gte: 2 } } }, { $project: { _id: 0, y: { $multiply: ["$x", 2] } } }]).toArray();

    expect(result).toEqual([{ y: 4 }, { y: 6 }]);
  });

  it("rejects $documents on a collection aggregate (it needs aggregate: 1)", async () => {
    await expect(db.collection<Doc>("stock").aggregate([{ $documents: [{ x: 1 }] }]).toArray()).rejects.toBeInstanceOf(MongoServerError);
  });

  it("lists a session the client has used in $listLocalSessions", async () => {
    const session = mongo.client.startSession();
    try {
      await db.collection<Doc>("stock").findOne({}, { session });

      const sessions = await mongo.client.db("admin").aggregate([{ $listLocalSessions: { allUsers: true } }]).toArray();

      const ids = sessions.map((s) => Buffer.from(s._id.id.buffer).toString("hex"));
      expect(ids).toContain(Buffer.from(session.id!.id.buffer).toString("hex"));
      for (const s of sessions) expect(s.lastUse).toBeInstanceOf(Date);
    } finally {
      await session.endSession();
    }
  });
});
