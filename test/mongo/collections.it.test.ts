/**
 * Collection lifecycle: create (with validation options), collMod, listCollections, drop,
 * renameCollection, implicit creation, and read-only views.
 */
import { MongoServerError, type Db } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestMongo, type TestMongo } from "#test/helpers/mongo.ts";

/** Documents of any shape, with any `_id` type (the driver assumes ObjectId otherwise). */
type Doc = { _id?: string | number | boolean | null | Date | import("mongodb").ObjectId | import("mongodb").Long | import("mongodb").Decimal128 | import("mongodb").Binary; [key: string]: any };

let mongo: TestMongo;

beforeAll(async () => {
  mongo = await startTestMongo();
});

afterAll(async () => {
  await mongo?.close();
});

const names = async (db: Db): Promise<string[]> => (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).sort();

describe("create and collMod", () => {
  it("creates a collection with validator, validationLevel and validationAction, listed with those options", async () => {
    const db = mongo.freshDatabase("create");
    const validator = { $jsonSchema: { required: ["name"] } };

    await db.createCollection("people", { validator, validationLevel: "moderate", validationAction: "warn" });

    const [info] = await db.listCollections({ name: "people" }, { nameOnly: false }).toArray();
    expect(info).toMatchObject({
      name: "people",
      type: "collection",
      options: { validator, validationLevel: "moderate", validationAction: "warn" },
      info: { readOnly: false },
      idIndex: { v: 2, key: { _id: 1 }, name: "_id_" },
    });
    expect(info.info?.uuid?.sub_type).toBe(4);
  });

  it("accepts creating an existing collection again with identical options", async () => {
    const db = mongo.freshDatabase("create");
    await db.command({ create: "same", validator: { a: { $gt: 0 } } });

    const reply = await db.command({ create: "same", validator: { a: { $gt: 0 } } });

    expect(reply.ok).toBe(1);
  });

  it("rejects creating an existing collection with different options with NamespaceExists 48", async () => {
    const db = mongo.freshDatabase("create");
    await db.createCollection("taken");

    const failure = db.command({ create: "taken", validator: { a: { $exists: true } } });

    await expect(failure).rejects.toBeInstanceOf(MongoServerError);
    await expect(failure).rejects.toMatchObject({ code: 48, codeName: "NamespaceExists" });
  });

  it("rejects an unknown validationLevel with BadValue 2", async () => {
    const db = mongo.freshDatabase("create");

    await expect(db.command({ create: "bad", validationLevel: "sometimes" })).rejects.toMatchObject({ code: 2, codeName: "BadValue" });
    expect(await names(db)).toEqual([]);
  });

  it("changes the validator with collMod, enforced on the next write", async () => {
    const db = mongo.freshDatabase("collmod");
    await db.createCollection("c", { validator: { a: { $type: "number" } } });
    await db.collection<Doc>("c").insertOne({ _id: 1, a: 1, b: "x" });

    const reply = await db.command({ collMod: "c", validator: { b: { $type: "string" } } });

    expect(reply.ok).toBe(1);
    const [info] = await db.listCollections({ name: "c" }, { nameOnly: false }).toArray();
    expect(info.options?.validator).toEqual({ b: { $type: "string" } });
    await db.collection<Doc>("c").insertOne({ _id: 2, a: "no longer checked", b: "y" });
    await expect(db.collection<Doc>("c").insertOne({ _id: 3, b: 5 })).rejects.toMatchObject({ code: 121, codeName: "DocumentValidationFailure" });
  });

  it("rejects collMod on a missing collection with NamespaceNotFound 26", async () => {
    const db = mongo.freshDatabase("collmod");

    await expect(db.command({ collMod: "missing", validator: {} })).rejects.toMatchObject({ code: 26, codeName: "NamespaceNotFound" });
  });
});

describe("listCollections", () => {
  let db: Db;

  beforeAll(async () => {
    db = mongo.freshDatabase("list");
    await db.createCollection("alpha");
    await db.createCollection("beta", { validator: { x: { $exists: true } } });
    await db.createCollection("alphaView", { viewOn: "alpha", pipeline: [] });
  });

  it("lists only the collections matching a filter on name", async () => {
    const listed = await db.listCollections({ name: "beta" }).toArray();

    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ name: "beta", type: "collection", options: { validator: { x: { $exists: true } } } });
  });

  it("filters on type and on option fields", async () => {
    const views = await db.listCollections({ type: "view" }).toArray();
    const validated = await db.listCollections({ "options.validator": { $exists: true } }).toArray();

    expect(views.map((c) => c.name)).toEqual(["alphaView"]);
    expect(validated.map((c) => c.name)).toEqual(["beta"]);
  });

  it("returns only name and type with nameOnly", async () => {
    const listed = await db.listCollections({}, { nameOnly: true }).toArray();

    expect(listed.sort((a, b) => a.name.localeCompare(b.name))).toEqual([
      { name: "alpha", type: "collection" },
      { name: "alphaView", type: "view" },
      { name: "beta", type: "collection" },
    ]);
  });

  it("returns nothing for a database that does not exist", async () => {
    const empty = mongo.freshDatabase("nothing");

    expect(await empty.listCollections().toArray()).toEqual([]);
  });
});

describe("drop", () => {
  it("drops a collection with its documents and indexes", async () => {
    const db = mongo.freshDatabase("drop");
    await db.collection<Doc>("c").insertOne({ a: 1 });
    await db.collection<Doc>("c").createIndex({ a: 1 });

    const reply = await db.command({ drop: "c" });

    expect(reply).toMatchObject({ nIndexesWas: 2, ns: `${db.databaseName}.c`, ok: 1 });
    expect(await names(db)).toEqual([]);
    expect(await db.collection<Doc>("c").countDocuments()).toBe(0);
  });

  it("succeeds when dropping a collection that does not exist", async () => {
    const db = mongo.freshDatabase("drop");
    await db.createCollection("other");

    const reply = await db.command({ drop: "missing" });

    expect(reply.ok).toBe(1);
    expect(await names(db)).toEqual(["other"]);
  });
});

describe("renameCollection", () => {
  it("renames a collection, carrying documents and indexes", async () => {
    const db = mongo.freshDatabase("rename");
    await db.collection<Doc>("from").insertMany([{ _id: 1, a: 1 }, { _id: 2, a: 2 }]);
    await db.collection<Doc>("from").createIndex({ a: 1 }, { unique: true });

    await db.collection<Doc>("from").rename("to");

    expect(await names(db)).toEqual(["to"]);
    expect(await db.collection<Doc>("to").find().sort({ _id: 1 }).toArray()).toEqual([{ _id: 1, a: 1 }, { _id: 2, a: 2 }]);
    expect((await db.collection<Doc>("to").listIndexes().toArray()).map((i) => i.name).sort()).toEqual(["_id_", "a_1"]);
    await expect(db.collection<Doc>("to").insertOne({ a: 1 })).rejects.toMatchObject({ code: 11000 });
  });

  it("keeps the collection's options and UUID across a rename", async () => {
    const db = mongo.freshDatabase("rename");
    await db.createCollection("before", { validator: { a: { $gt: 0 } }, validationLevel: "moderate" });
    const [was] = await db.listCollections({ name: "before" }, { nameOnly: false }).toArray();

    await db.collection<Doc>("before").rename("after");

    const [now] = await db.listCollections({ name: "after" }, { nameOnly: false }).toArray();
    expect(now.options).toEqual(was.options);
    expect(now.info?.uuid?.toString("hex")).toBe(was.info?.uuid?.toString("hex"));
    await expect(db.collection<Doc>("after").insertOne({ a: -1 })).rejects.toMatchObject({ code: 121 });
  });

  it("replaces an existing target with dropTarget: true", async () => {
    const db = mongo.freshDatabase("rename");
    await db.collection<Doc>("src").insertOne({ _id: "new" });
    await db.collection<Doc>("dst").insertOne({ _id: "old" });

    await db.collection<Doc>("src").rename("dst", { dropTarget: true });

    expect(await names(db)).toEqual(["dst"]);
    expect(await db.collection<Doc>("dst").find().toArray()).toEqual([{ _id: "new" }]);
  });

  it("rejects renaming onto an existing collection without dropTarget with NamespaceExists 48", async () => {
    const db = mongo.freshDatabase("rename");
    await db.collection<Doc>("src").insertOne({ _id: "src" });
    await db.collection<Doc>("dst").insertOne({ _id: "dst" });

    await expect(db.collection<Doc>("src").rename("dst")).rejects.toMatchObject({ code: 48, codeName: "NamespaceExists" });
    expect(await db.collection<Doc>("src").find().toArray()).toEqual([{ _id: "src" }]);
    expect(await db.collection<Doc>("dst").find().toArray()).toEqual([{ _id: "dst" }]);
  });

  it("rejects renaming a missing collection with NamespaceNotFound 26", async () => {
    const db = mongo.freshDatabase("rename");

    await expect(db.collection<Doc>("ghost").rename("anything")).rejects.toMatchObject({ code: 26, codeName: "NamespaceNotFound" });
    expect(await names(db)).toEqual([]);
  });

  it("rejects renameCollection run outside the admin database with Unauthorized 13", async () => {
    const db = mongo.freshDatabase("rename");
    await db.collection<Doc>("a").insertOne({});

    const failure = db.command({ renameCollection: `${db.databaseName}.a`, to: `${db.databaseName}.b` });

    await expect(failure).rejects.toMatchObject({ code: 13, codeName: "Unauthorized" });
  });
});

describe("implicit creation", () => {
  it("creates a collection on its first insert", async () => {
    const db = mongo.freshDatabase("implicit");
    expect(await names(db)).toEqual([]);

    await db.collection<Doc>("born").insertOne({ a: 1 });

    const [info] = await db.listCollections({ name: "born" }).toArray();
    expect(info).toMatchObject({ name: "born", type: "collection", options: {} });
    expect((await db.collection<Doc>("born").listIndexes().toArray()).map((i) => i.name)).toEqual(["_id_"]);
  });

  it("creates a collection on an upsert and on createIndexes", async () => {
    const db = mongo.freshDatabase("implicit");

    await db.collection<Doc>("upserted").updateOne({ k: 1 }, { $set: { v: 1 } }, { upsert: true });
    const reply = await db.command({ createIndexes: "indexed", indexes: [{ key: { a: 1 }, name: "a_1" }] });

    expect(reply).toMatchObject({ createdCollectionAutomatically: true, numIndexesBefore: 1, numIndexesAfter: 2 });
    expect(await names(db)).toEqual(["indexed", "upserted"]);
  });

  it("does not create a collection when only reading from it", async () => {
    const db = mongo.freshDatabase("implicit");
    await db.createCollection("other");

    await db.collection<Doc>("phantom").find({}).toArray();
    await db.collection<Doc>("phantom").countDocuments();

    expect(await names(db)).toEqual(["other"]);
  });
});

describe("views", () => {
  let db: Db;

  beforeAll(async () => {
    db = mongo.freshDatabase("views");
    await db.collection<Doc>("orders").insertMany([
      { _id: 1, item: "a", qty: 5, status: "open" },
      { _id: 2, item: "b", qty: 15, status: "open" },
      { _id: 3, item: "c", qty: 25, status: "closed" },
    ]);
    await db.createCollection("openOrders", { viewOn: "orders", pipeline: [{ $match: { status: "open" } }, { $project: { status: 0 } }] });
  });

  it("applies the view's pipeline when reading through it", async () => {
    const docs = await db.collection<Doc>("openOrders").find().sort({ _id: 1 }).toArray();

    expect(docs).toEqual([{ _id: 1, item: "a", qty: 5 }, { _id: 2, item: "b", qty: 15 }]);
  });

  it("applies a find filter, count and aggregate on top of the view's pipeline", async () => {
    const filtered = await db.collection<Doc>("openOrders").find({ qty: { $gt: 10 } }).toArray();
    const count = await db.collection<Doc>("openOrders").countDocuments();
    const [sum] = await db.collection<Doc>("openOrders").aggregate([{ $group: { _id: null, total: { $sum: "$qty" } } }]).toArray();

    expect(filtered).toEqual([{ _id: 2, item: "b", qty: 15 }]);
    expect(count).toBe(2);
    expect(sum).toEqual({ _id: null, total: 20 });
  });

  it("reflects later changes of the source collection", async () => {
    await db.collection<Doc>("orders").insertOne({ _id: 4, item: "d", qty: 1, status: "open" });

    const ids = (await db.collection<Doc>("openOrders").find().toArray()).map((d) => d._id).sort();

    expect(ids).toEqual([1, 2, 4]);
    await db.collection<Doc>("orders").deleteOne({ _id: 4 });
  });

  it("lists a view as type view with viewOn and pipeline", async () => {
    const [info] = await db.listCollections({ name: "openOrders" }).toArray();

    expect(info).toMatchObject({
      name: "openOrders",
      type: "view",
      options: { viewOn: "orders", pipeline: [{ $match: { status: "open" } }, { $project: { status: 0 } }] },
      info: { readOnly: true },
    });
  });

  it("rejects inserting into a view with CommandNotSupportedOnView 166", async () => {
    await expect(db.collection<Doc>("openOrders").insertOne({ item: "x" })).rejects.toMatchObject({ code: 166, codeName: "CommandNotSupportedOnView" });
    expect(await db.collection<Doc>("orders").countDocuments()).toBe(3);
  });

  it("rejects updating and deleting through a view with CommandNotSupportedOnView 166", async () => {
    await expect(db.collection<Doc>("openOrders").updateOne({ _id: 1 }, { $set: { qty: 0 } })).rejects.toMatchObject({ code: 166 });
    await expect(db.collection<Doc>("openOrders").deleteOne({ _id: 1 })).rejects.toMatchObject({ code: 166 });
    expect(await db.collection<Doc>("orders").findOne({ _id: 1 })).toEqual({ _id: 1, item: "a", qty: 5, status: "open" });
  });

  it("rejects creating an index on a view with CommandNotSupportedOnView 166", async () => {
    await expect(db.collection<Doc>("openOrders").createIndex({ qty: 1 })).rejects.toMatchObject({ code: 166 });
  });
});
