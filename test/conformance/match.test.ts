import { Decimal128, Double, EJSON, Int32, Long, ObjectId } from "bson";
import { describe, expect, it } from "vitest";
import { describeType } from "./bson-types.ts";
import { describeMismatch, describeOutcomeMismatch, toPlainDocument } from "./match.ts";

const strict = (expected: unknown, actual: unknown, options = {}) => describeMismatch(expected, actual, options);
const lenient = (expected: unknown, actual: unknown, options = {}) => describeMismatch(expected, actual, { ...options, lenient: true });

describe("documents", () => {
  it("allows extra keys in the root document only", () => {
    expect(strict({ x: 1 }, { x: 1, y: 1 })).toBeUndefined();
    expect(strict({ x: { y: 1 } }, { x: { y: 1, z: 1 } })).toBe("$.x: unexpected key z in {\"y\":1,\"z\":1}");
    expect(strict({ x: 1 }, { x: 1, y: 1 }, { root: false })).toMatch(/unexpected key y/);
  });

  it("accepts nested extra keys in lenient mode, like Node's matcher", () => {
    expect(lenient({ x: { y: 1 } }, { x: { y: 1, z: 1 } })).toBeUndefined();
  });

  it("requires every expected key and ignores key order", () => {
    expect(strict({ x: 1, y: 1 }, { x: 1 })).toBe("$.y: expected 1, but the key is absent");
    expect(strict({ x: 1, y: { a: 1, b: 2 } }, { y: { b: 2, a: 1 }, x: 1 })).toBeUndefined();
  });

  it("reports the path of the first difference", () => {
    const actual = { cursor: { firstBatch: [{ x: 2 }] } };
    expect(strict({ cursor: { firstBatch: [{ x: 1 }] } }, actual)).toBe("$.cursor.firstBatch[0].x: expected 1, got 2");
  });

  it("treats root-level array elements as root documents only when told to", () => {
    const actual = [{ x: 1, y: 1 }, { x: 2, y: 2 }];
    expect(strict([{ x: 1 }, { x: 2 }], actual, { elementsAreRoots: true })).toBeUndefined();
    expect(strict([{ x: 1 }, { x: 2 }], actual)).toMatch(/^\$\[0\]: unexpected key y/);
  });
});

describe("arrays", () => {
  it("requires the same length in strict mode", () => {
    expect(strict([1, 2, 3], [1, 2, 3, 4])).toMatch(/expected an array of 3 elements, got 4/);
    expect(strict({ a: [1] }, { a: [] })).toMatch(/^\$\.a: expected an array of 1 elements, got 0/);
  });

  it("checks only the expected elements in lenient mode", () => {
    expect(lenient([1, 2, 3], [1, 2, 3, 4])).toBeUndefined();
    expect(lenient([1, 2], [1])).toBe("$[1]: expected 2, got (absent)");
  });

  it("does not accept a document for an array", () => {
    expect(strict({ a: [1] }, { a: { 0: 1 } })).toMatch(/expected an array/);
  });
});

describe("$$unsetOrMatches", () => {
  it("passes when the value is absent and matches it otherwise", () => {
    expect(strict({ x: { $$unsetOrMatches: 2 } }, {})).toBeUndefined();
    expect(strict({ x: { $$unsetOrMatches: 2 } }, { x: 2 })).toBeUndefined();
    expect(strict({ x: { $$unsetOrMatches: 2 } }, { x: 3 })).toBe("$.x: expected 2, got 3");
  });

  it("wraps a whole result without changing its root-level status", () => {
    const expected = { $$unsetOrMatches: { insertedId: { $$unsetOrMatches: 2 } } };
    expect(strict(expected, undefined)).toBeUndefined();
    expect(strict(expected, { acknowledged: true, insertedId: 2 })).toBeUndefined();
    expect(strict(expected, { acknowledged: true, insertedId: 1 })).toBe("$.insertedId: expected 2, got 1");
  });

  it("does not treat null as unset in strict mode, but does in lenient mode", () => {
    expect(strict({ x: { $$unsetOrMatches: 2 } }, { x: null })).toBe("$.x: expected 2, got null");
    expect(lenient({ x: { $$unsetOrMatches: 2 } }, { x: null })).toBeUndefined();
  });
});

describe("$$exists", () => {
  it("is based on key presence, a null value counting as present", () => {
    expect(strict({ x: { $$exists: true } }, { x: null })).toBeUndefined();
    expect(strict({ x: { $$exists: false } }, { x: null })).toBe("$.x: expected to be absent, got null");
    expect(strict({ x: { $$exists: false } }, {})).toBeUndefined();
    expect(strict({ x: { $$exists: true } }, {})).toBe("$.x: expected to exist, but it is absent");
  });

  it("counts null as absent in lenient mode", () => {
    expect(lenient({ x: { $$exists: true } }, { x: null })).toMatch(/expected to exist/);
    expect(lenient({ x: { $$exists: false } }, { x: null })).toBeUndefined();
  });

  it("treats an undefined property as absent", () => {
    expect(strict({ writeConcern: { $$exists: false } }, { writeConcern: undefined })).toBeUndefined();
  });
});

describe("$$type", () => {
  it("accepts any of a list of BSON type names", () => {
    expect(strict({ id: { $$type: ["int", "long"] } }, { id: new Long(5) })).toBeUndefined();
    expect(strict({ id: { $$type: ["int", "long"] } }, { id: new Int32(5) })).toBeUndefined();
    expect(strict({ id: { $$type: ["int", "long"] } }, { id: 0 })).toBeUndefined();
    expect(strict({ hint: { $$type: ["string", "object"] } }, { hint: "_id_" })).toBeUndefined();
    expect(strict({ hint: { $$type: ["string", "object"] } }, { hint: { _id: 1 } })).toBeUndefined();
  });

  it("distinguishes int from long when the value says which it is", () => {
    expect(strict({ v: { $$type: "int" } }, { v: new Long(5) })).toBe("$.v: expected type int, got long 5");
    expect(strict({ v: { $$type: "long" } }, { v: new Int32(5) })).toMatch(/expected type long, got int/);
    expect(strict({ v: { $$type: "int" } }, { v: 2 ** 40 })).toMatch(/expected type int/);
    expect(strict({ v: { $$type: "long" } }, { v: 2 ** 40 })).toBeUndefined();
  });

  it("only accepts double for a fractional number", () => {
    expect(strict({ r: { $$type: "double" } }, { r: 0.25 })).toBeUndefined();
    expect(strict({ r: { $$type: ["int", "long"] } }, { r: 0.25 })).toMatch(/expected type int or long, got double/);
    expect(strict({ r: { $$type: "double" } }, { r: new Double(1) })).toBeUndefined();
  });

  it("checks the type of an array, not of its elements", () => {
    expect(strict({ a: { $$type: "array" } }, { a: [1, "x"] })).toBeUndefined();
    expect(strict({ a: { $$type: ["int", "long"] } }, { a: [1, 2] })).toMatch(/expected type int or long, got array/);
  });

  it("requires the value to be present", () => {
    expect(strict({ a: { $$type: "null" } }, { a: null })).toBeUndefined();
    expect(strict({ a: { $$type: "null" } }, {})).toMatch(/key is absent/);
  });

  it("names BSON types of deserialised values", () => {
    expect(describeType(new ObjectId())).toBe("objectId");
    expect(describeType(new Date())).toBe("date");
    expect(describeType(Decimal128.fromString("1"))).toBe("decimal");
    expect(describeType(true)).toBe("bool");
    expect(describeType(new Map())).toBe("object");
  });
});

describe("numbers", () => {
  it("compares int32, int64 and double by numeric value", () => {
    expect(strict({ n: 1 }, { n: 1.0 })).toBeUndefined();
    expect(strict({ n: 1 }, { n: new Long(1) })).toBeUndefined();
    expect(strict({ n: new Long(1) }, { n: new Int32(1) })).toBeUndefined();
    expect(strict({ n: 1 }, { n: new Double(1) })).toBeUndefined();
    expect(strict({ n: Long.fromString("9007199254740993") }, { n: 9007199254740992 })).toMatch(/expected/);
  });

  it("does not equate different values", () => {
    expect(strict({ n: 1 }, { n: 1.5 })).toBe("$.n: expected 1, got 1.5");
    expect(strict({ n: 1 }, { n: new Long(2) })).toMatch(/^\$\.n: expected 1, got/);
  });

  it("keeps Decimal128 out of the numeric rule", () => {
    expect(strict({ n: 1 }, { n: Decimal128.fromString("1") })).toMatch(/expected 1/);
    expect(strict({ n: Decimal128.fromString("1.0") }, { n: Decimal128.fromString("1.0") })).toBeUndefined();
  });

  it("does not equate numbers with strings or booleans", () => {
    expect(strict({ n: 1 }, { n: "1" })).toMatch(/expected 1, got "1"/);
    expect(strict({ n: 1 }, { n: true })).toMatch(/expected 1, got true/);
  });

  it("treats 0 and -0 as equal unless lenient, where Node's Object.is separates them", () => {
    expect(strict({ n: 0 }, { n: -0 })).toBeUndefined();
    expect(lenient({ n: 0 }, { n: -0 })).toMatch(/expected 0/);
  });
});

describe("Maps", () => {
  it("matches the driver's Map-encoded sort and index keys as documents", () => {
    const command = { find: "coll", sort: new Map([["x", 1]]) };
    expect(strict({ find: "coll", sort: { x: 1 } }, command)).toBeUndefined();
    expect(strict({ sort: { x: -1 } }, command)).toBe("$.sort.x: expected -1, got 1");
    const indexes = { createIndexes: "coll", indexes: [{ key: new Map([["x", 1]]), name: "x_1" }] };
    expect(strict({ indexes: [{ key: { x: 1 }, name: "x_1" }] }, indexes)).toBeUndefined();
    expect(strict({ sort: { x: 1 } }, { sort: new Map<string, number>([["x", 1], ["y", 1]]) })).toMatch(/unexpected key y/);
  });

  it("converts nested Maps to plain objects", () => {
    expect(toPlainDocument({ a: [new Map([["b", new Map([["c", 1]])]])] })).toEqual({ a: [{ b: { c: 1 } }] });
  });
});

describe("scalars and BSON values", () => {
  it("compares strings, booleans, null, ObjectIds and dates exactly", () => {
    const id = new ObjectId();
    expect(strict({ a: "x", b: true, c: null, d: id }, { a: "x", b: true, c: null, d: new ObjectId(id.toHexString()) })).toBeUndefined();
    expect(strict({ c: null }, { c: 0 })).toBe("$.c: expected null, got 0");
    expect(strict({ d: new Date(5) }, { d: new Date(6) })).toMatch(/\$\.d: expected/);
    expect(strict({ d: id }, { d: new ObjectId() })).toMatch(/\$\.d: expected/);
  });

  it("parses expectations from relaxed and canonical Extended JSON alike", () => {
    const expected = EJSON.parse('{"n": {"$numberLong": "5"}, "m": {"$numberInt": "1"}}', { relaxed: true });
    expect(strict(expected, { n: 5, m: 1.0 })).toBeUndefined();
  });

  it("rejects unknown special operators", () => {
    expect(strict({ a: { $$bogus: 1 } }, { a: 1 })).toBe("$.a: unsupported special operator $$bogus");
  });
});

describe("outcome", () => {
  it("requires the same documents exactly, ignoring key order", () => {
    expect(describeOutcomeMismatch([{ _id: 1, x: 1 }], [{ x: 1.0, _id: 1 }])).toBeUndefined();
    expect(describeOutcomeMismatch([{ _id: 1 }], [{ _id: 1, stray: true }])).toBe("$[0]: unexpected key stray in {\"_id\":1,\"stray\":true}");
    expect(describeOutcomeMismatch([{ _id: 1 }], [])).toMatch(/expected 1 documents, got 0/);
  });

  it("does not interpret $$ operators in outcome data", () => {
    expect(describeOutcomeMismatch([{ _id: 1, x: { $$exists: true } }], [{ _id: 1, x: 5 }])).toMatch(/expected a document/);
  });

  it("ignores extra top-level fields in lenient mode, like Node's deep.include", () => {
    expect(describeOutcomeMismatch([{ _id: 1 }], [{ _id: 1, stray: true }], { lenient: true })).toBeUndefined();
    expect(describeOutcomeMismatch([{ _id: 1, a: {} }], [{ _id: 1, a: { b: 1 } }], { lenient: true })).toMatch(/unexpected key b/);
  });
});
