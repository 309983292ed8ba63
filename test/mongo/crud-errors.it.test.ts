/**
 * The errors a real MongoDB 8.0 gives for bad writes and reads through the driver: updates
 * without or with unknown operators, type mismatches, immutable _id, impossible paths, array
 * filters, unknown filter operators and hints naming no index. A failed write changes nothing.
 */
import { MongoInvalidArgumentError, type Collection, type Db, type Document, type UpdateFilter } from "mongodb";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startTestMongo, type TestMongo } from "#test/helpers/mongo.ts";

/** Documents of any shape, with any `_id` type (the driver assumes ObjectId otherwise). */
type Doc = { _id?: string | number | boolean | null | Date | import("mongodb").ObjectId | import("mongodb").Long | import("mongodb").Decimal128 | import("mongodb").Binary; [key: string]: any };

let mongo: TestMongo;
let db: Db;
let seq = 0;
const fresh = (docs: Document[]) => {
  const coll = db.collection<Doc>(`e${++seq}`);
  return coll.insertMany(docs).then(() => coll);
};
/** Update documents the driver's types would refuse; the server is what is under test. */
const raw = (update: Document) => update as UpdateFilter<Doc>;

beforeAll(async () => {
  mongo = await startTestMongo();
  db = mongo.freshDatabase("crud_errors");
});

afterAll(async () => {
  await mongo?.close();
});

describe("update and query errors", () => {
  let coll: Collection<Doc>;

  beforeEach(async () => {
    coll = await fresh([{ _id: 1, a: "text", n: 1 }]);
  });

  it("rejects an update document without operators in updateOne on the client", async () => {
    await expect(coll.updateOne({ _id: 1 }, { a: 1 })).rejects.toBeInstanceOf(MongoInvalidArgumentError);
  });

  it("rejects an unknown update operator with FailedToParse 9", async () => {
    await expect(coll.updateOne({ _id: 1 }, { $foo: { a: 1 } } as Document)).rejects.toMatchObject({ code: 9, codeName: "FailedToParse" });
    expect(await coll.findOne({ _id: 1 })).toEqual({ _id: 1, a: "text", n: 1 });
  });

  it("rejects $inc on a string with TypeMismatch 14", async () => {
    await expect(coll.updateOne({ _id: 1 }, { $inc: { a: 1 } })).rejects.toMatchObject({
      code: 14, codeName: "TypeMismatch", message: "Cannot apply $inc to a value of non-numeric type. {_id: 1} has the field 'a' of non-numeric type string",
    });
  });

  it("rejects modifying _id with ImmutableField 66", async () => {
    await expect(coll.updateOne({ _id: 1 }, { $set: { _id: 2 } })).rejects.toMatchObject({ code: 66, codeName: "ImmutableField" });
    await expect(coll.replaceOne({ _id: 1 }, { _id: 3, a: 1 })).rejects.toMatchObject({ code: 66, codeName: "ImmutableField" });
    expect(await coll.find().toArray()).toEqual([{ _id: 1, a: "text", n: 1 }]);
  });

  it("rejects an unknown filter operator with BadValue 2", async () => {
    await expect(coll.find({ a: { $foo: 1 } }).toArray()).rejects.toMatchObject({ code: 2, codeName: "BadValue", message: "unknown operator: $foo" });
    await expect(coll.find({ $foo: [] }).toArray()).rejects.toMatchObject({ code: 2, codeName: "BadValue" });
  });

  it("rejects a hint naming no index with BadValue 2", async () => {
    await expect(coll.find({ a: "text" }, { hint: "nope_1" }).toArray()).rejects.toMatchObject({ code: 2, codeName: "BadValue" });
    await expect(coll.find({}, { hint: { nope: 1 } }).toArray()).rejects.toMatchObject({ code: 2, codeName: "BadValue" });
  });

  it("rejects conflicting update operators on one path with ConflictingUpdateOperators 40", async () => {
    await expect(coll.updateOne({ _id: 1 }, { $set: { n: 1 }, $inc: { n: 1 } })).rejects.toMatchObject({ code: 40, codeName: "ConflictingUpdateOperators" });
  });

  it("rejects a positional $ update whose query matched no array element with BadValue 2", async () => {
    await coll.insertOne({ _id: 2, arr: [1, 2] });

    await expect(coll.updateOne({ _id: 2 }, { $set: { "arr.$": 9 } })).rejects.toMatchObject({ code: 2, message: "The positional operator did not find the match needed from the query." });
  });
});

describe("update paths and array operators", () => {
  let coll: Collection<Doc>;
  const original = { _id: 1, s: "text", arr: [1, 2], objs: [{ q: 1 }, { q: 2 }] };

  beforeEach(async () => {
    coll = await fresh([structuredClone(original)]);
  });

  it("rejects $push to a non-array field with BadValue 2", async () => {
    await expect(coll.updateOne({ _id: 1 }, raw({ $push: { s: 1 } }))).rejects.toMatchObject({
      code: 2, codeName: "BadValue", message: "The field 's' must be an array but is of type string in document {_id: 1}",
    });
  });

  it("rejects $pop on a non-array field with TypeMismatch 14", async () => {
    await expect(coll.updateOne({ _id: 1 }, raw({ $pop: { s: 1 } }))).rejects.toMatchObject({ code: 14, codeName: "TypeMismatch" });
  });

  it("rejects setting a field inside a string with PathNotViable 28", async () => {
    await expect(coll.updateOne({ _id: 1 }, { $set: { "s.inner": 1 } })).rejects.toMatchObject({
      code: 28, codeName: "PathNotViable", message: "Cannot create field 'inner' in element {s: \"text\"}",
    });
  });

  it("accepts an empty $set as a no-op, as servers do since 5.0", async () => {
    const result = await coll.updateOne({ _id: 1 }, { $set: {} });

    expect(result).toMatchObject({ matchedCount: 1, modifiedCount: 0 });
    expect(await coll.findOne({ _id: 1 })).toEqual(original);
  });

  it("rejects $rename onto itself with BadValue 2", async () => {
    await expect(coll.updateOne({ _id: 1 }, { $rename: { s: "s" } })).rejects.toMatchObject({ code: 2, codeName: "BadValue" });
  });

  it("rejects $[<id>] without a matching array filter with BadValue 2", async () => {
    await expect(coll.updateOne({ _id: 1 }, raw({ $set: { "objs.$[x].q": 0 } }))).rejects.toMatchObject({
      code: 2, codeName: "BadValue", message: "No array filter found for identifier 'x' in path 'objs.$[x].q'",
    });
  });

  it("rejects an array filter whose identifier the update does not use with FailedToParse 9", async () => {
    await expect(coll.updateOne({ _id: 1 }, { $set: { s: "x" } }, { arrayFilters: [{ "y.q": 1 }] })).rejects.toMatchObject({ code: 9, codeName: "FailedToParse" });
  });

  it("rejects $inc with a non-numeric argument with TypeMismatch 14", async () => {
    await expect(coll.updateOne({ _id: 1 }, raw({ $inc: { n: "1" } }))).rejects.toMatchObject({ code: 14, codeName: "TypeMismatch" });
  });

  it("leaves the document unchanged after each rejected update", async () => {
    await coll.updateOne({ _id: 1 }, raw({ $set: { added: 1 }, $push: { s: 1 } })).catch(() => undefined);

    expect(await coll.findOne({ _id: 1 })).toEqual(original);
  });
});
