/**
 * Collection validators through the driver: `$jsonSchema` rules enforced on insert and update
 * with the errInfo a real server reports, validation levels and actions, bypassing, query
 * operator validators, and that a rejected write changes nothing.
 */
import { MongoBulkWriteError, MongoServerError, type Collection, type Db, type Document } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestMongo, type TestMongo } from "#test/helpers/mongo.ts";

/** Documents of any shape, with any `_id` type (the driver assumes ObjectId otherwise). */
type Doc = { _id?: string | number | boolean | null | Date | import("mongodb").ObjectId | import("mongodb").Long | import("mongodb").Decimal128 | import("mongodb").Binary; [key: string]: any };

let mongo: TestMongo;
let db: Db;
let seq = 0;

beforeAll(async () => {
  mongo = await startTestMongo();
  db = mongo.freshDatabase("validation");
});

afterAll(async () => {
  await mongo?.close();
});

const schema = {
  bsonType: "object",
  required: ["name", "status"],
  additionalProperties: false,
  properties: {
    _id: {},
    name: { bsonType: "string", pattern: "^[A-Z]" },
    status: { enum: ["new", "done"] },
    age: { bsonType: "int", minimum: 0 },
    tags: { bsonType: "array", items: { bsonType: "string" } },
    contact: { anyOf: [{ bsonType: "string" }, { bsonType: "object", required: ["email"] }] },
  },
};

async function collection(options: Document = {}): Promise<Collection<Doc>> {
  return db.createCollection<Doc>(`v${++seq}`, { validator: { $jsonSchema: schema }, ...options });
}

async function rejection(promise: Promise<unknown>): Promise<MongoServerError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(MongoServerError);
  expect((error as MongoServerError).code).toBe(121);
  expect((error as MongoServerError).codeName).toBe("DocumentValidationFailure");
  expect((error as MongoServerError).message).toBe("Document failed validation");
  return error as MongoServerError;
}

/** The rule details of one failing property under the top-level `properties` rule. */
function propertyDetails(error: MongoServerError, property: string): Document[] {
  const rules = error.errInfo!.details.schemaRulesNotSatisfied as Document[];
  const properties = rules.find((r) => r.operatorName === "properties");
  return properties?.propertiesNotSatisfied.find((p: Document) => p.propertyName === property)?.details ?? [];
}

describe("$jsonSchema rules on insert", () => {
  it("accepts a document satisfying every rule", async () => {
    const coll = await collection();

    await coll.insertOne({ _id: 1, name: "Ada", status: "new", age: 36, tags: ["x"], contact: { email: "a@b" } });

    expect(await coll.countDocuments()).toBe(1);
  });

  it("reports a missing required field with failingDocumentId and missingProperties", async () => {
    const coll = await collection();

    const error = await rejection(coll.insertOne({ _id: 7, name: "Ada" }));

    expect(error.errInfo).toEqual({
      failingDocumentId: 7,
      details: {
        operatorName: "$jsonSchema",
        schemaRulesNotSatisfied: [{ operatorName: "required", specifiedAs: { required: ["name", "status"] }, missingProperties: ["status"] }],
      },
    });
    expect(await coll.countDocuments()).toBe(0);
  });

  it("reports a wrong bsonType with the considered value and type", async () => {
    const coll = await collection();

    const error = await rejection(coll.insertOne({ _id: 1, name: "Ada", status: "new", age: "old" }));

    expect(propertyDetails(error, "age")).toEqual([
      { operatorName: "bsonType", specifiedAs: { bsonType: "int" }, reason: "type did not match", consideredValue: "old", consideredType: "string" },
    ]);
  });

  it("reports a value outside enum", async () => {
    const coll = await collection();

    const error = await rejection(coll.insertOne({ _id: 1, name: "Ada", status: "lost" }));

    expect(propertyDetails(error, "status")).toEqual([
      { operatorName: "enum", specifiedAs: { enum: ["new", "done"] }, reason: "value was not found in enum", consideredValue: "lost" },
    ]);
  });

  it("reports a pattern mismatch", async () => {
    const coll = await collection();

    const error = await rejection(coll.insertOne({ _id: 1, name: "ada", status: "new" }));

    expect(propertyDetails(error, "name")).toEqual([
      { operatorName: "pattern", specifiedAs: { pattern: "^[A-Z]" }, reason: "regular expression did not match", consideredValue: "ada" },
    ]);
  });

  it("reports a value below minimum", async () => {
    const coll = await collection();

    const error = await rejection(coll.insertOne({ _id: 1, name: "Ada", status: "new", age: -1 }));

    expect(propertyDetails(error, "age")).toEqual([
      { operatorName: "minimum", specifiedAs: { minimum: 0 }, reason: "comparison failed", consideredValue: -1 },
    ]);
  });

  it("reports fields not allowed by additionalProperties: false", async () => {
    const coll = await collection();

    const error = await rejection(coll.insertOne({ _id: 1, name: "Ada", status: "new", extra: true }));

    expect(error.errInfo!.details.schemaRulesNotSatisfied).toEqual([
      { operatorName: "additionalProperties", specifiedAs: { additionalProperties: false }, additionalProperties: ["extra"] },
    ]);
  });

  it("reports the first array item failing items with its index", async () => {
    const coll = await collection();

    const error = await rejection(coll.insertOne({ _id: 1, name: "Ada", status: "new", tags: ["ok", 2, 3] }));

    expect(propertyDetails(error, "tags")).toEqual([{
      operatorName: "items",
      reason: "At least one item did not match the sub-schema",
      itemIndex: 1,
      details: [{ operatorName: "bsonType", specifiedAs: { bsonType: "string" }, reason: "type did not match", consideredValue: 2, consideredType: "int" }],
    }]);
  });

  it("reports every branch of a failed anyOf", async () => {
    const coll = await collection();

    const error = await rejection(coll.insertOne({ _id: 1, name: "Ada", status: "new", contact: { phone: "1" } }));

    expect(propertyDetails(error, "contact")).toEqual([{
      operatorName: "anyOf",
      schemasNotSatisfied: [
        { index: 0, details: [{ operatorName: "bsonType", specifiedAs: { bsonType: "string" }, reason: "type did not match", consideredValue: { phone: "1" }, consideredType: "object" }] },
        { index: 1, details: [{ operatorName: "required", specifiedAs: { required: ["email"] }, missingProperties: ["email"] }] },
      ],
    }]);
  });

  it("stops an ordered insertMany at the invalid document, keeping the ones before it", async () => {
    const coll = await collection();

    const error = await coll.insertMany([{ _id: 1, name: "A", status: "new" }, { _id: 2, name: "b", status: "new" }, { _id: 3, name: "C", status: "new" }]).catch((e) => e);

    expect(error).toBeInstanceOf(MongoBulkWriteError);
    expect(error.writeErrors.map((w: Document) => [w.index, w.code])).toEqual([[1, 121]]);
    expect(error.writeErrors[0].errInfo.failingDocumentId).toBe(2);
    expect(await coll.find().toArray()).toEqual([{ _id: 1, name: "A", status: "new" }]);
  });
});

describe("$jsonSchema rules on update", () => {
  it("rejects an update producing an invalid document and leaves it unchanged", async () => {
    const coll = await collection();
    await coll.insertOne({ _id: 1, name: "Ada", status: "new" });

    const error = await rejection(coll.updateOne({ _id: 1 }, { $set: { status: "unknown", age: 3 } }));

    expect(error.errInfo!.failingDocumentId).toBe(1);
    expect(error.errInfo!.details.operatorName).toBe("$jsonSchema");
    expect(propertyDetails(error, "status")[0]).toMatchObject({ operatorName: "enum", consideredValue: "unknown" });
    expect(await coll.findOne({ _id: 1 })).toEqual({ _id: 1, name: "Ada", status: "new" });
  });

  it("validates replacements, upserts and findOneAndUpdate too", async () => {
    const coll = await collection();
    await coll.insertOne({ _id: 1, name: "Ada", status: "new" });

    await rejection(coll.replaceOne({ _id: 1 }, { name: "Ada" }));
    await rejection(coll.updateOne({ _id: 2 }, { $set: { name: "Bob" } }, { upsert: true }));
    await rejection(coll.findOneAndUpdate({ _id: 1 }, { $unset: { name: "" } }));

    expect(await coll.find().toArray()).toEqual([{ _id: 1, name: "Ada", status: "new" }]);
  });

  it("stops updateMany at the first document that would become invalid, keeping earlier changes", async () => {
    const coll = await collection();
    await coll.insertMany([{ _id: 1, name: "A", status: "new", age: 5 }, { _id: 2, name: "B", status: "new", age: 1 }, { _id: 3, name: "C", status: "new", age: 9 }]);

    const error = await rejection(coll.updateMany({}, { $inc: { age: -3 } }));

    expect(error.errInfo!.failingDocumentId).toBe(2);
    expect((await coll.find().sort({ _id: 1 }).toArray()).map((d) => d.age)).toEqual([2, 1, 9]);
  });
});

describe("validation levels and actions", () => {
  it("lets invalid writes through with validationAction 'warn'", async () => {
    const coll = await collection({ validationAction: "warn" });

    await coll.insertOne({ _id: 1, name: "lower" });
    await coll.updateOne({ _id: 1 }, { $set: { extra: 1 } });

    expect(await coll.findOne({ _id: 1 })).toEqual({ _id: 1, name: "lower", extra: 1 });
  });

  it("checks updates of already-invalid documents under 'strict' but not under 'moderate'", async () => {
    const strict = await collection({ validationLevel: "strict" });
    const moderate = await collection({ validationLevel: "moderate" });
    for (const coll of [strict, moderate]) {
      await coll.insertOne({ _id: "bad", name: "lower", status: "new" }, { bypassDocumentValidation: true });
      await coll.insertOne({ _id: "good", name: "Upper", status: "new" });
    }

    await rejection(strict.updateOne({ _id: "bad" }, { $set: { note: "x" } }));
    await moderate.updateOne({ _id: "bad" }, { $set: { note: "x" } });
    await rejection(moderate.updateOne({ _id: "good" }, { $set: { note: "x" } }));

    expect(await strict.findOne({ _id: "bad" })).toEqual({ _id: "bad", name: "lower", status: "new" });
    expect(await moderate.findOne({ _id: "bad" })).toEqual({ _id: "bad", name: "lower", status: "new", note: "x" });
    expect(await moderate.findOne({ _id: "good" })).toEqual({ _id: "good", name: "Upper", status: "new" });
  });

  it("still checks inserts under 'moderate'", async () => {
    const coll = await collection({ validationLevel: "moderate" });

    await rejection(coll.insertOne({ _id: 1, name: "x" }));
  });

  it("disables validation with validationLevel 'off'", async () => {
    const coll = await collection({ validationLevel: "off" });

    await coll.insertOne({ _id: 1, anything: true });
    await coll.updateOne({ _id: 1 }, { $set: { more: 1 } });

    expect(await coll.findOne({ _id: 1 })).toEqual({ _id: 1, anything: true, more: 1 });
  });

  it("skips validation for writes with bypassDocumentValidation", async () => {
    const coll = await collection();

    await coll.insertOne({ _id: 1, free: true }, { bypassDocumentValidation: true });
    await coll.updateOne({ _id: 1 }, { $set: { still: "free" } }, { bypassDocumentValidation: true });
    await coll.insertMany([{ _id: 2 }], { bypassDocumentValidation: true });

    expect(await coll.countDocuments()).toBe(2);
    await rejection(coll.updateOne({ _id: 1 }, { $set: { again: 1 } }));
  });

  it("applies a validator added later with collMod to the next writes only", async () => {
    const coll = db.collection<Doc>(`v${++seq}`);
    await coll.insertOne({ _id: 1, a: -5 });

    await db.command({ collMod: coll.collectionName, validator: { a: { $gt: 0 } } });

    expect(await coll.findOne({ _id: 1 })).toEqual({ _id: 1, a: -5 });
    await rejection(coll.insertOne({ _id: 2, a: -1 }));
  });
});

describe("query-operator validators", () => {
  it("enforces { a: { $gt: 0 } } and reports the failing operator", async () => {
    const coll = await db.createCollection<Doc>(`q${++seq}`, { validator: { a: { $gt: 0 } } });
    await coll.insertOne({ _id: 1, a: 5 });

    const error = await rejection(coll.insertOne({ _id: 2, a: -1 }));

    expect(error.errInfo).toEqual({
      failingDocumentId: 2,
      details: { operatorName: "$gt", specifiedAs: { a: { $gt: 0 } }, reason: "comparison failed", consideredValue: -1 },
    });
    expect(await coll.find().toArray()).toEqual([{ _id: 1, a: 5 }]);
  });

  it("reports a missing field for a query-operator validator", async () => {
    const coll = await db.createCollection<Doc>(`q${++seq}`, { validator: { a: { $gt: 0 } } });

    const error = await rejection(coll.insertOne({ _id: 1 }));

    expect(error.errInfo!.details).toEqual({ operatorName: "$gt", specifiedAs: { a: { $gt: 0 } }, reason: "field was missing" });
  });

  it("rejects an update that breaks a query-operator validator, leaving the document as it was", async () => {
    const coll = await db.createCollection<Doc>(`q${++seq}`, { validator: { a: { $gt: 0 } } });
    await coll.insertOne({ _id: 1, a: 1, b: "keep" });

    await rejection(coll.updateOne({ _id: 1 }, { $inc: { a: -1 }, $set: { b: "changed" } }));

    expect(await coll.findOne({ _id: 1 })).toEqual({ _id: 1, a: 1, b: "keep" });
  });
});
