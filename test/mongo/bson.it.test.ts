/**
 * BSON values through the wire and storage: every type round-trips with its type, null and
 * missing are told apart as MongoDB does, `$type` names each numeric type, numbers compare by
 * value across types, and mixed types sort in MongoDB's type order.
 */
import {
  Binary, BSONRegExp, Decimal128, Double, Int32, Long, MaxKey, MinKey, ObjectId, Timestamp, UUID, type Db, type Document,
} from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestMongo, type TestMongo } from "#test/helpers/mongo.ts";

/** Documents of any shape, with any `_id` type (the driver assumes ObjectId otherwise). */
type Doc = { _id?: string | number | boolean | null | Date | import("mongodb").ObjectId | import("mongodb").Long | import("mongodb").Decimal128 | import("mongodb").Binary; [key: string]: any };

let mongo: TestMongo;
let db: Db;

beforeAll(async () => {
  mongo = await startTestMongo();
  db = mongo.freshDatabase("bson");
});

afterAll(async () => {
  await mongo?.close();
});

const ids = (docs: Document[]): unknown[] => docs.map((d) => d._id);

describe("round-trips", () => {
  const oid = new ObjectId();
  const date = new Date("2024-02-29T12:34:56.789Z");
  const uuid = new UUID();

  beforeAll(async () => {
    await db.collection<Doc>("values").insertOne({
      _id: 1,
      oid,
      date,
      dec: Decimal128.fromString("1234.5000"),
      smallLong: Long.fromNumber(42),
      bigLong: Long.fromString("9007199254740993"),
      negLong: Long.fromString("-9223372036854775808"),
      int: new Int32(7),
      double: 3.25,
      negDouble: new Double(-0.5),
      bin: new Binary(Buffer.from([0, 1, 2, 255]), Binary.SUBTYPE_DEFAULT),
      uuid: uuid.toBinary(),
      regex: new BSONRegExp("^ab.c", "imx"),
      ts: new Timestamp({ t: 1700000000, i: 7 }),
      min: new MinKey(),
      max: new MaxKey(),
      nil: null,
      nested: [[1, 2], [3, [4, [5]]], []],
      obj: { a: { b: { c: "deep" } } },
    });
  });

  const read = (options: Document = {}) => db.collection<Doc>("values").findOne({ _id: 1 }, options);

  it("keeps ObjectId, Date and Decimal128 exactly", async () => {
    const doc = (await read())!;

    expect(doc.oid).toBeInstanceOf(ObjectId);
    expect(doc.oid.equals(oid)).toBe(true);
    expect(doc.date).toEqual(date);
    expect(doc.dec).toBeInstanceOf(Decimal128);
    expect(doc.dec.toString()).toBe("1234.5000");
  });

  it("keeps Long values, including ones beyond 2^53, read with promoteLongs: false", async () => {
    const doc = (await read({ promoteLongs: false }))!;

    expect(doc.smallLong).toBeInstanceOf(Long);
    expect(doc.smallLong.toString()).toBe("42");
    expect(doc.bigLong).toBeInstanceOf(Long);
    expect(doc.bigLong.toString()).toBe("9007199254740993");
    expect(doc.negLong.toString()).toBe("-9223372036854775808");
  });

  it("keeps Int32 and non-integral Double types", async () => {
    const doc = (await read({ promoteValues: false }))!;

    expect(doc.int).toBeInstanceOf(Int32);
    expect(doc.int.value).toBe(7);
    expect(doc.double).toBeInstanceOf(Double);
    expect(doc.double.value).toBe(3.25);
    expect(doc.negDouble.value).toBe(-0.5);
  });

  it("keeps integral doubles as doubles, in documents, arrays and nested objects", async () => {
    await db.collection<Doc>("integral").insertOne({ _id: 1, one: new Double(1), zero: new Double(0), list: [new Double(2), 2], inner: { big: new Double(1e6) } });

    const doc = (await db.collection<Doc>("integral").findOne({ _id: 1 }, { promoteValues: false }))!;

    expect(doc.one).toBeInstanceOf(Double);
    expect(doc.zero).toBeInstanceOf(Double);
    expect(doc.list[0]).toBeInstanceOf(Double);
    expect(doc.list[1]).toBeInstanceOf(Int32);
    expect(doc.inner.big).toBeInstanceOf(Double);
    expect(await db.collection<Doc>("integral").countDocuments({ one: { $type: "double" }, "list.1": { $type: "int" } })).toBe(1);
  });

  it("keeps integral doubles through projections, pipelines and updates that pass them on", async () => {
    const integral = db.collection<Doc>("integral-flow");
    await integral.insertOne({ _id: 1, d: new Double(4), i: 4 });
    const read = { promoteValues: false };

    const projected = (await integral.findOne({ _id: 1 }, { ...read, projection: { d: 1, sum: { $add: ["$d", "$i"] } } }))!;
    const [added] = await integral.aggregate([{ $addFields: { half: { $divide: ["$d", 8] } } }], read).toArray();
    await integral.updateOne({ _id: 1 }, [{ $set: { flag: true } }]);
    await integral.updateOne({ _id: 1 }, { $inc: { d: 0.5 } });
    await integral.updateOne({ _id: 1 }, { $inc: { d: 0.5 } });
    const updated = (await integral.findOne({ _id: 1 }, read))!;

    expect(projected.d).toBeInstanceOf(Double);
    expect(projected.sum.valueOf()).toBe(8);
    expect(added.d).toBeInstanceOf(Double);
    expect(added.half.value).toBe(0.5);
    expect(updated.flag).toBe(true);
    expect(updated.d).toBeInstanceOf(Double);
    expect(updated.d.value).toBe(5);
    expect(updated.i).toBeInstanceOf(Int32);
  });

  it("keeps Binary subtypes 0 and 4 with their bytes", async () => {
    const doc = (await read())!;

    expect(doc.bin.sub_type).toBe(0);
    expect(Buffer.from(doc.bin.buffer)).toEqual(Buffer.from([0, 1, 2, 255]));
    expect(doc.uuid.sub_type).toBe(4);
    expect(Buffer.from(doc.uuid.buffer)).toEqual(Buffer.from(uuid.buffer));
  });

  it("keeps a regular expression's pattern and flags", async () => {
    const doc = (await read({ bsonRegExp: true }))!;

    expect(doc.regex).toBeInstanceOf(BSONRegExp);
    expect(doc.regex.pattern).toBe("^ab.c");
    expect(doc.regex.options).toBe("imx");
  });

  it("keeps Timestamp, MinKey, MaxKey, null, nested arrays and nested objects", async () => {
    const doc = (await read())!;

    expect(doc.ts).toBeInstanceOf(Timestamp);
    expect([doc.ts.t, doc.ts.i]).toEqual([1700000000, 7]);
    expect(doc.min).toBeInstanceOf(MinKey);
    expect(doc.max).toBeInstanceOf(MaxKey);
    expect(doc.nil).toBeNull();
    expect(doc.nested).toEqual([[1, 2], [3, [4, [5]]], []]);
    expect(doc.obj).toEqual({ a: { b: { c: "deep" } } });
  });

  it("finds documents by equality on each of these types", async () => {
    const coll = db.collection<Doc>("values");

    expect(await coll.countDocuments({ oid })).toBe(1);
    expect(await coll.countDocuments({ date })).toBe(1);
    expect(await coll.countDocuments({ bigLong: Long.fromString("9007199254740993") })).toBe(1);
    expect(await coll.countDocuments({ bigLong: Long.fromString("9007199254740992") })).toBe(0);
    expect(await coll.countDocuments({ dec: Decimal128.fromString("1234.5") })).toBe(1);
    expect(await coll.countDocuments({ uuid: uuid.toBinary() })).toBe(1);
    expect(await coll.countDocuments({ ts: new Timestamp({ t: 1700000000, i: 7 }) })).toBe(1);
    expect(await coll.countDocuments({ nested: [1, 2] })).toBe(1);
    expect(await coll.countDocuments({ "obj.a.b.c": "deep" })).toBe(1);
  });
});

describe("null and missing", () => {
  beforeAll(async () => {
    await db.collection<Doc>("nulls").insertMany([{ _id: 1, a: null }, { _id: 2 }, { _id: 3, a: 1 }, { _id: 4, a: [null, 2] }]);
  });

  it("matches both null and missing for { a: null }", async () => {
    expect(ids(await db.collection<Doc>("nulls").find({ a: null }).sort({ _id: 1 }).toArray())).toEqual([1, 2, 4]);
  });

  it("matches only the missing field for { a: { $exists: false } }", async () => {
    expect(ids(await db.collection<Doc>("nulls").find({ a: { $exists: false } }).toArray())).toEqual([2]);
  });

  it("matches only stored nulls for { a: { $type: 'null' } }", async () => {
    expect(ids(await db.collection<Doc>("nulls").find({ a: { $type: "null" } }).sort({ _id: 1 }).toArray())).toEqual([1, 4]);
  });

  it("excludes null and missing from { a: { $ne: null } }", async () => {
    expect(ids(await db.collection<Doc>("nulls").find({ a: { $ne: null } }).toArray())).toEqual([3]);
  });
});

describe("numeric types", () => {
  beforeAll(async () => {
    await db.collection<Doc>("numbers").insertMany([
      { _id: "int", v: new Int32(1) },
      { _id: "long", v: Long.fromNumber(1) },
      { _id: "double", v: new Double(1.5) },
      { _id: "decimal", v: Decimal128.fromString("2") },
      { _id: "string", v: "1" },
    ]);
    await db.collection<Doc>("ones").insertMany([
      { _id: "int", a: new Int32(1) },
      { _id: "long", a: Long.fromNumber(1) },
      { _id: "double", a: new Double(1.0) },
      { _id: "decimal", a: Decimal128.fromString("1.0") },
      { _id: "two", a: new Double(2) },
      { _id: "string", a: "1" },
    ]);
  });

  it("selects each numeric type by its $type alias and number code", async () => {
    const byType = async (type: string | number) => ids(await db.collection<Doc>("numbers").find({ v: { $type: type as never } }).toArray());

    expect(await byType("int")).toEqual(["int"]);
    expect(await byType("long")).toEqual(["long"]);
    expect(await byType("double")).toEqual(["double"]);
    expect(await byType("decimal")).toEqual(["decimal"]);
    expect(await byType(16)).toEqual(["int"]);
    expect(await byType(18)).toEqual(["long"]);
    expect((await byType("number")).sort()).toEqual(["decimal", "double", "int", "long"]);
  });

  it("matches Int32, Long, Double and Decimal128 ones with { a: 1 }", async () => {
    const found = await db.collection<Doc>("ones").find({ a: 1 }).toArray();

    expect(ids(found).sort()).toEqual(["decimal", "double", "int", "long"]);
  });

  it("compares numbers of different types by value in ranges and sorts", async () => {
    const range = await db.collection<Doc>("numbers").find({ v: { $gt: Long.fromNumber(1), $lte: new Double(2) } }).sort({ v: 1 }).toArray();
    const sorted = await db.collection<Doc>("numbers").find({ v: { $type: "number" } }).sort({ v: -1, _id: 1 }).toArray();

    expect(ids(range)).toEqual(["double", "decimal"]);
    expect(ids(sorted)).toEqual(["decimal", "double", "int", "long"]);
  });

  it("does not match a numeric query against a string", async () => {
    expect(await db.collection<Doc>("ones").countDocuments({ a: { $lt: 5 } })).toBe(5);
    expect(await db.collection<Doc>("ones").countDocuments({ a: { $gt: "0" } })).toBe(1);
  });
});

describe("numeric types through updates", () => {
  it("promotes an int32 that $inc overflows to a long", async () => {
    await db.collection<Doc>("promote").insertOne({ _id: 1, i: new Int32(2147483647) });

    await db.collection<Doc>("promote").updateOne({ _id: 1 }, { $inc: { i: 1 } });

    const doc = await db.collection<Doc>("promote").findOne({ _id: 1 }, { promoteLongs: false });
    expect(doc!.i).toBeInstanceOf(Long);
    expect(doc!.i.toString()).toBe("2147483648");
    expect(await db.collection<Doc>("promote").countDocuments({ i: { $type: "long" } })).toBe(1);
  });

  it("keeps the wider type when $inc and $mul mix int32 with long, double and decimal", async () => {
    await db.collection<Doc>("widen").insertOne({ _id: 1, l: new Int32(2), d: new Int32(2), m: new Int32(3), x: Long.fromNumber(5) });

    await db.collection<Doc>("widen").updateOne({ _id: 1 }, { $inc: { l: Long.fromNumber(1), d: 0.5, x: new Int32(1) }, $mul: { m: Decimal128.fromString("1.5") } });

    const doc = (await db.collection<Doc>("widen").findOne({ _id: 1 }, { promoteLongs: false, promoteValues: false }))!;
    expect(doc.l).toBeInstanceOf(Long);
    expect(doc.l.toString()).toBe("3");
    expect(doc.d).toBeInstanceOf(Double);
    expect(doc.d.value).toBe(2.5);
    expect(doc.x).toBeInstanceOf(Long);
    expect(doc.x.toString()).toBe("6");
    expect(doc.m).toBeInstanceOf(Decimal128);
    expect(Number(doc.m.toString())).toBe(4.5);
  });
});

describe("cross-type order", () => {
  // One value per BSON type bracket, inserted out of order. An array sorts by its smallest
  // element, so the array sample holds an array: its sort key is then an array.
  const samples: Array<[string, unknown]> = [
    ["regex", new BSONRegExp("x", "")],
    ["object", { x: 1 }],
    ["bool", false],
    ["maxKey", new MaxKey()],
    ["number", 5],
    ["timestamp", new Timestamp({ t: 1, i: 1 })],
    ["string", "abc"],
    ["null", null],
    ["binData", new Binary(Buffer.from([1]))],
    ["array", [[1]]],
    ["date", new Date(0)],
    ["objectId", new ObjectId("000000000000000000000000")],
    ["minKey", new MinKey()],
  ];
  const order = ["minKey", "null", "number", "string", "object", "array", "binData", "objectId", "bool", "date", "timestamp", "regex", "maxKey"];

  beforeAll(async () => {
    await db.collection<Doc>("mixed").insertMany(samples.map(([type, v]) => ({ _id: type, v })));
  });

  it("sorts ascending in MongoDB's type order", async () => {
    expect(ids(await db.collection<Doc>("mixed").find().sort({ v: 1 }).toArray())).toEqual(order);
  });

  it("sorts descending in the reverse type order", async () => {
    const descending = ids(await db.collection<Doc>("mixed").find().sort({ v: -1 }).toArray());

    expect(descending).toEqual([...order].reverse());
  });

  it("sorts in the same order in an aggregation $sort", async () => {
    expect(ids(await db.collection<Doc>("mixed").aggregate([{ $sort: { v: 1 } }]).toArray())).toEqual(order);
  });

  it("keeps range queries within one type bracket", async () => {
    const gtNumber = await db.collection<Doc>("mixed").find({ v: { $gt: 0 } }).toArray();
    const gteDate = await db.collection<Doc>("mixed").find({ v: { $gte: new Date(-1) } }).toArray();
    const ltString = await db.collection<Doc>("mixed").find({ v: { $lt: "zzz" } }).toArray();

    expect(ids(gtNumber)).toEqual(["number"]);
    expect(ids(gteDate)).toEqual(["date"]);
    expect(ids(ltString)).toEqual(["string"]);
  });
});
