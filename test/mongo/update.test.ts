import { Decimal128, Double, Long, ObjectId, Timestamp } from "bson";
import { describe, expect, it } from "vitest";
import { CommandError } from "../../local/mongo/errors.ts";
import {
  applyOperatorUpdate,
  isReplacement,
  seedUpsertDocument,
  validateOperatorUpdate,
  type UpdateContext,
} from "../../local/mongo/update/index.ts";

type Doc = Record<string, unknown>;

/** Applies `update` to `doc` and returns [changed, doc]. */
function apply(doc: Doc, update: Doc, ctx: UpdateContext = {}): [boolean, Doc] {
  const changed = applyOperatorUpdate(doc, update, ctx);
  return [changed, doc];
}

function errorOf(fn: () => unknown): CommandError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(CommandError);
    return error as CommandError;
  }
  throw new Error("expected an error");
}

function expectError(fn: () => unknown, code: number, message: string): void {
  const error = errorOf(fn);
  expect({ code: error.code, message: error.message }).toEqual({ code, message });
}

const applyError = (doc: Doc, update: Doc, ctx: UpdateContext = {}) => () => applyOperatorUpdate(doc, update, ctx);

describe("$set", () => {
  it("replaces existing fields in place and appends new ones in field-name order", () => {
    const [changed, doc] = apply({ _id: 1, m: 0 }, { $set: { z: 1, m: 2, a: 1, "b.d": 3, "b.c": 2 } });
    expect(changed).toBe(true);
    expect(Object.keys(doc)).toEqual(["_id", "m", "a", "b", "z"]);
    expect(doc).toEqual({ _id: 1, m: 2, a: 1, b: { c: 2, d: 3 }, z: 1 });
  });

  it("orders numeric field names numerically", () => {
    const [, doc] = apply({ _id: 1, a: {} }, { $set: { "a.b10": 1, "a.b9": 1, "a.x": 1 } });
    expect(Object.keys(doc.a as Doc)).toEqual(["b10", "b9", "x"]);
  });

  it("indexes arrays with numeric parts and pads with nulls when extending", () => {
    expect(apply({ _id: 1, a: [1, 2] }, { $set: { "a.1": 5 } })[1]).toEqual({ _id: 1, a: [1, 5] });
    expect(apply({ _id: 1, a: [1] }, { $set: { "a.3.b": 5 } })[1]).toEqual({ _id: 1, a: [1, null, null, { b: 5 }] });
    expect(apply({ _id: 1, a: {} }, { $set: { "a.0": 5 } })[1]).toEqual({ _id: 1, a: { 0: 5 } });
  });

  it("reports no change for an identical value, but a change of BSON type or field order", () => {
    expect(apply({ _id: 1, a: 1 }, { $set: { a: 1 } })[0]).toBe(false);
    expect(apply({ _id: 1, a: { x: 1, y: 2 } }, { $set: { a: { x: 1, y: 2 } } })[0]).toBe(false);
    expect(apply({ _id: 1, a: 1 }, { $set: { a: Long.fromNumber(1) } })[0]).toBe(true);
    expect(apply({ _id: 1, a: 1 }, { $set: { a: 1.5 } })[0]).toBe(true);
    expect(apply({ _id: 1, a: { x: 1, y: 2 } }, { $set: { a: { y: 2, x: 1 } } })[0]).toBe(true);
  });

  it("refuses to create a field under a non-document", () => {
    expectError(applyError({ _id: 1, a: 5 }, { $set: { "a.b": 1 } }), 28, "Cannot create field 'b' in element {a: 5}");
    expectError(
      applyError({ _id: 1, a: [1, 2] }, { $set: { "a.b": 1 } }),
      28,
      "Cannot create field 'b' in element {a: [ 1, 2 ]}",
    );
    expectError(
      applyError({ _id: 1, a: { b: "x" } }, { $set: { "a.b.c": 1 } }),
      28,
      "Cannot create field 'c' in element {b: \"x\"}",
    );
  });

  it("keeps _id immutable unless the value is unchanged", () => {
    expectError(
      applyError({ _id: 1 }, { $set: { _id: 2 } }),
      66,
      "Performing an update on the path '_id' would modify the immutable field '_id'",
    );
    expectError(
      applyError({ _id: { x: 1 } }, { $set: { "_id.x": 2 } }),
      66,
      "Performing an update on the path '_id.x' would modify the immutable field '_id'",
    );
    expectError(
      applyError({ _id: { x: 1 } }, { $set: { "_id.y": 2 } }),
      66,
      "Updating the path '_id' to _id: { x: 1, y: 2 } would modify the immutable field '_id'",
    );
    expect(apply({ _id: 1 }, { $set: { _id: 1 } })[0]).toBe(false);
    // A document without _id (an upsert being built) may receive one.
    expect(apply({ a: 1 }, { $set: { _id: 7 } })[1]).toEqual({ a: 1, _id: 7 });
  });

  it("refuses $-prefixed top-level field names but stores them deeper and inside values", () => {
    expectError(
      applyError({ _id: 1 }, { $set: { $foo: 1 } }),
      52,
      "The dollar ($) prefixed field '$foo' in '$foo' is not allowed in the context of an update's replacement " +
        "document. Consider using an aggregation pipeline with $replaceWith.",
    );
    expect(apply({ _id: 1 }, { $set: { "a.$b": 1, c: { $d: 1 } } })[1]).toEqual({ _id: 1, a: { $b: 1 }, c: { $d: 1 } });
    // An upsert's insert is validated as a whole document, where top-level $ names are allowed.
    expect(apply({ _id: 1 }, { $set: { $e: 1 } }, { isUpsertInsert: true })[1]).toEqual({ _id: 1, $e: 1 });
  });

  it("leaves the document untouched when the update fails part-way", () => {
    const doc = { _id: 1, a: 1, z: "x" };
    expect(applyError(doc, { $set: { a: 2 }, $inc: { z: 1 } })).toThrow();
    expect(doc).toEqual({ _id: 1, a: 1, z: "x" });
  });

  it("does not share stored values between documents", () => {
    const update = { $set: { a: { list: [1] } } };
    const first: Doc = { _id: 1 };
    const second: Doc = { _id: 2 };
    apply(first, update);
    apply(second, update);
    ((first.a as Doc).list as unknown[]).push(2);
    expect(second.a).toEqual({ list: [1] });
    expect(update.$set.a).toEqual({ list: [1] });
  });
});

describe("$unset", () => {
  it("removes fields, ignores missing ones and nulls array elements", () => {
    expect(apply({ _id: 1, a: 1, b: { c: 1, d: 2 } }, { $unset: { a: "", "b.c": 1 } })).toEqual([true, { _id: 1, b: { d: 2 } }]);
    expect(apply({ _id: 1 }, { $unset: { a: 1, "x.y": 1 } })[0]).toBe(false);
    expect(apply({ _id: 1, a: 5 }, { $unset: { "a.b": 1 } })[0]).toBe(false);
    expect(apply({ _id: 1, a: [1, 2, 3] }, { $unset: { "a.1": 1 } })[1]).toEqual({ _id: 1, a: [1, null, 3] });
  });

  it("cannot remove _id", () => {
    expectError(
      applyError({ _id: 1 }, { $unset: { _id: 1 } }),
      66,
      "Performing an update on the path '_id' would modify the immutable field '_id'",
    );
  });
});

describe("$inc and $mul", () => {
  it("follows BSON's numeric type promotion", () => {
    expect(apply({ _id: 1, a: 1 }, { $inc: { a: 2 } })[1].a).toBe(3);
    const overflow = apply({ _id: 1, a: 2147483647 }, { $inc: { a: 1 } })[1].a;
    expect(overflow).toBeInstanceOf(Long);
    expect(String(overflow)).toBe("2147483648");
    const long = apply({ _id: 1, a: Long.fromNumber(5) }, { $inc: { a: 1 } })[1].a;
    expect(long).toBeInstanceOf(Long);
    expect(String(long)).toBe("6");
    expect(apply({ _id: 1, a: 1 }, { $inc: { a: 0.5 } })[1].a).toBe(1.5);
    const integralDouble = apply({ _id: 1, a: Long.fromNumber(2) }, { $mul: { a: 1.5 } })[1].a;
    expect(integralDouble).toBeInstanceOf(Double);
    expect((integralDouble as Double).value).toBe(3);
    const decimal = apply({ _id: 1, a: Decimal128.fromString("1.5") }, { $inc: { a: 2 } })[1].a;
    expect(decimal).toBeInstanceOf(Decimal128);
    expect(String(decimal)).toBe("3.5");
    expect(String(apply({ _id: 1, a: 2 }, { $mul: { a: Decimal128.fromString("1.25") } })[1].a)).toBe("2.50");
    const product = apply({ _id: 1, a: 65536 }, { $mul: { a: 65536 } })[1].a;
    expect(product).toBeInstanceOf(Long);
    expect(String(product)).toBe("4294967296");
  });

  it("fails on 64-bit overflow", () => {
    expectError(
      applyError({ _id: 1, a: Long.MAX_VALUE }, { $inc: { a: 1 } }),
      2,
      "Failed to apply $inc operations to current value ((NumberLong)9223372036854775807) for document {_id: 1}",
    );
  });

  it("creates missing fields: $inc with the argument, $mul with a zero of its type", () => {
    expect(apply({ _id: 1 }, { $inc: { "a.b": 5 } })[1]).toEqual({ _id: 1, a: { b: 5 } });
    expect(apply({ _id: 1 }, { $mul: { a: 5 } })[1]).toEqual({ _id: 1, a: 0 });
    const long = apply({ _id: 1 }, { $mul: { a: Long.fromNumber(5) } })[1].a;
    expect(long).toBeInstanceOf(Long);
    expect(String(long)).toBe("0");
    expect(String(apply({ _id: 1 }, { $mul: { a: Decimal128.fromString("2.5") } })[1].a)).toBe("0.0");
  });

  it("reports no change when the value stays identical", () => {
    expect(apply({ _id: 1, a: 4 }, { $inc: { a: 0 } })[0]).toBe(false);
    expect(apply({ _id: 1, a: 4 }, { $mul: { a: 1 } })[0]).toBe(false);
    // int × long is a long: the type changed.
    expect(apply({ _id: 1, a: 4 }, { $mul: { a: Long.fromNumber(1) } })[0]).toBe(true);
  });

  it("rejects non-numeric arguments and fields", () => {
    expectError(() => validateOperatorUpdate({ $inc: { a: "x" } }), 14, 'Cannot increment with non-numeric argument: {a: "x"}');
    expectError(() => validateOperatorUpdate({ $mul: { "a.b": null } }), 14, "Cannot multiply with non-numeric argument: {a.b: null}");
    expectError(
      applyError({ _id: 1, a: "x" }, { $inc: { a: 1 } }),
      14,
      "Cannot apply $inc to a value of non-numeric type. {_id: 1} has the field 'a' of non-numeric type string",
    );
    expectError(
      applyError({ _id: new ObjectId("650000000000000000000001"), a: { b: [1] } }, { $mul: { "a.b": 2 } }),
      14,
      "Cannot apply $mul to a value of non-numeric type. {_id: ObjectId('650000000000000000000001')} has the " +
        "field 'b' of non-numeric type array",
    );
  });
});

describe("$min and $max", () => {
  it("replace only when the new value is lower / higher in BSON order", () => {
    expect(apply({ _id: 1, a: 5 }, { $min: { a: 3 } })).toEqual([true, { _id: 1, a: 3 }]);
    expect(apply({ _id: 1, a: 5 }, { $min: { a: 7 } })[0]).toBe(false);
    expect(apply({ _id: 1, a: 5 }, { $max: { a: 7 } })).toEqual([true, { _id: 1, a: 7 }]);
    expect(apply({ _id: 1, a: 5 }, { $max: { a: Long.fromNumber(5) } })[0]).toBe(false);
    // Strings sort after numbers.
    expect(apply({ _id: 1, a: 5 }, { $max: { a: "x" } })[1].a).toBe("x");
    expect(apply({ _id: 1, a: null }, { $min: { a: 1 } })[0]).toBe(false);
    expect(apply({ _id: 1 }, { $max: { a: 1 } })[1]).toEqual({ _id: 1, a: 1 });
  });

  it("compare strings with the collation", () => {
    const queryOptions = { collation: { locale: "en", strength: 2 } };
    expect(apply({ _id: 1, a: "abc" }, { $max: { a: "ABC" } }, { queryOptions })[0]).toBe(false);
    expect(apply({ _id: 1, a: "abc" }, { $max: { a: "ABC" } })[0]).toBe(false);
    expect(apply({ _id: 1, a: "abc" }, { $min: { a: "ABC" } })[0]).toBe(true);
  });
});

describe("$rename", () => {
  it("moves a value, creating the target path", () => {
    expect(apply({ _id: 1, a: 1, b: 2 }, { $rename: { a: "c.d" } })).toEqual([true, { _id: 1, b: 2, c: { d: 1 } }]);
    expect(apply({ _id: 1, a: { b: 1 }, c: 3 }, { $rename: { "a.b": "c" } })[1]).toEqual({ _id: 1, a: {}, c: 1 });
    expect(apply({ _id: 1 }, { $rename: { a: "b" } })[0]).toBe(false);
    expect(apply({ _id: 1, a: {} }, { $rename: { "a.b": "c" } })[0]).toBe(false);
  });

  it("validates source and target", () => {
    expectError(() => validateOperatorUpdate({ $rename: { a: "a" } }), 2, 'The source and target field for $rename must differ: a: "a"');
    expectError(
      () => validateOperatorUpdate({ $rename: { a: "a.b" } }),
      2,
      'The source and target field for $rename must not be on the same path: a: "a.b"',
    );
    expectError(() => validateOperatorUpdate({ $rename: { a: 1 } }), 2, "The 'to' field for $rename must be a string: a: 1");
    expectError(() => validateOperatorUpdate({ $rename: { "a.$": "b" } }), 2, "The source field for $rename may not be dynamic: a.$");
    expectError(
      () => validateOperatorUpdate({ $rename: { a: "b" }, $set: { a: 1 } }),
      40,
      "Updating the path 'a' would create a conflict at 'a'",
    );
  });

  it("refuses array elements on either side and untraversable sources", () => {
    expectError(
      applyError({ _id: 1, a: [{ b: 1 }] }, { $rename: { "a.0.b": "c" } }),
      2,
      "The source field cannot be an array element, 'a.0.b' in doc with _id: 1 has an array field called 'a'",
    );
    expectError(
      applyError({ _id: 1, a: 1, c: [{}] }, { $rename: { a: "c.0.d" } }),
      2,
      "The destination field cannot be an array element, 'c.0.d' in doc with _id: 1 has an array field called 'c'",
    );
    expectError(
      applyError({ _id: 1, a: 5 }, { $rename: { "a.b": "c" } }),
      28,
      "cannot use the part (a of a.b) to traverse the element ({a: 5})",
    );
    expectError(
      applyError({ _id: 1, a: 1 }, { $rename: { a: "$b" } }),
      52,
      "The dollar ($) prefixed field '$b' in '$b' is not allowed in the context of an update's replacement " +
        "document. Consider using an aggregation pipeline with $replaceWith.",
    );
    expectError(
      applyError({ _id: 1 }, { $rename: { _id: "x" } }),
      66,
      "Performing an update on the path '_id' would modify the immutable field '_id'",
    );
  });
});

describe("$currentDate and $setOnInsert", () => {
  it("sets the operation's instant as a date or a timestamp", () => {
    const now = new Date("2024-05-01T12:00:00Z");
    const [changed, doc] = apply({ _id: 1, a: now }, { $currentDate: { a: true, b: { $type: "timestamp" } } }, { now });
    expect(changed).toBe(true);
    expect(doc.a).toEqual(now);
    expect(doc.b).toBeInstanceOf(Timestamp);
    expect((doc.b as Timestamp).t).toBe(now.getTime() / 1000);
  });

  it("rejects other arguments", () => {
    expectError(
      () => validateOperatorUpdate({ $currentDate: { a: { $type: "x" } } }),
      2,
      "The '$type' string field is required to be 'date' or 'timestamp': {$currentDate: {field : {$type: 'date'}}}",
    );
    expectError(
      () => validateOperatorUpdate({ $currentDate: { a: 1 } }),
      2,
      "int is not valid type for $currentDate. Please use a boolean ('true') or a $type expression ({$type: 'timestamp/date'}).",
    );
  });

  it("$setOnInsert applies only to an upsert's insert", () => {
    expect(apply({ _id: 1 }, { $setOnInsert: { a: 1 } })).toEqual([false, { _id: 1 }]);
    expect(apply({ _id: 1 }, { $setOnInsert: { a: 1 } }, { isUpsertInsert: true })).toEqual([true, { _id: 1, a: 1 }]);
  });
});

describe("$push", () => {
  it("appends, creating the array when missing", () => {
    expect(apply({ _id: 1, a: [1] }, { $push: { a: 2 } })[1]).toEqual({ _id: 1, a: [1, 2] });
    expect(apply({ _id: 1 }, { $push: { a: { b: 1 } } })[1]).toEqual({ _id: 1, a: [{ b: 1 }] });
    expect(apply({ _id: 1, a: [1] }, { $push: { a: [2, 3] } })[1]).toEqual({ _id: 1, a: [1, [2, 3]] });
    expect(apply({ _id: 1, a: [1] }, { $push: { a: { $each: [] } } })[0]).toBe(false);
    expect(apply({ _id: 1 }, { $push: { "x.y": { $each: [3, 1, 2], $sort: 1, $slice: -2 } } })[1]).toEqual({
      _id: 1,
      x: { y: [2, 3] },
    });
  });

  it("supports $position, $slice and $sort", () => {
    const push = (a: unknown[], spec: Doc) => apply({ _id: 1, a }, { $push: { a: spec } })[1].a;
    expect(push([1, 2, 3], { $each: [9], $position: 1 })).toEqual([1, 9, 2, 3]);
    expect(push([1, 2, 3], { $each: [9], $position: -1 })).toEqual([1, 2, 9, 3]);
    expect(push([1, 2, 3], { $each: [9], $position: -5 })).toEqual([9, 1, 2, 3]);
    expect(push([1, 2, 3], { $each: [4], $slice: 2 })).toEqual([1, 2]);
    expect(push([1, 2, 3], { $each: [4], $slice: -2 })).toEqual([3, 4]);
    expect(push([1, 2, 3], { $each: [4], $slice: 0 })).toEqual([]);
    expect(push([3, 1], { $each: [2], $sort: 1 })).toEqual([1, 2, 3]);
    expect(push([3, "x", 1], { $each: [], $sort: -1 })).toEqual(["x", 3, 1]);
    expect(push([{ s: 2 }, { s: 9 }], { $each: [{ s: 5 }], $sort: { s: -1 }, $slice: 2 })).toEqual([{ s: 9 }, { s: 5 }]);
    expect(push([{ s: 2 }, 7, { t: 1 }], { $each: [], $sort: { s: 1 } })).toEqual([7, { t: 1 }, { s: 2 }]);
  });

  it("rejects malformed clauses and non-array fields", () => {
    expectError(
      applyError({ _id: 1, a: 5 }, { $push: { a: 1 } }),
      2,
      "The field 'a' must be an array but is of type int in document {_id: 1}",
    );
    expectError(() => validateOperatorUpdate({ $push: { a: { $each: 1 } } }), 2, "The argument to $each in $push must be an array but it was of type: int");
    expectError(() => validateOperatorUpdate({ $push: { a: { $each: [], $foo: 1 } } }), 2, "Unrecognized clause in $push: $foo");
    expectError(
      () => validateOperatorUpdate({ $push: { a: { $each: [], $slice: 1.5 } } }),
      2,
      "The value for $slice must be an integer value but was given type: double",
    );
    expectError(() => validateOperatorUpdate({ $push: { a: { $each: [], $sort: 2 } } }), 2, "The $sort element value must be either 1 or -1");
    expectError(
      () => validateOperatorUpdate({ $push: { a: { $each: [], $sort: {} } } }),
      2,
      "The $sort pattern is empty when it should be a set of fields.",
    );
  });
});

describe("$addToSet", () => {
  it("adds only values not already present", () => {
    expect(apply({ _id: 1, a: [1, 2] }, { $addToSet: { a: 3 } })).toEqual([true, { _id: 1, a: [1, 2, 3] }]);
    expect(apply({ _id: 1, a: [1, 2] }, { $addToSet: { a: Long.fromNumber(2) } })[0]).toBe(false);
    expect(apply({ _id: 1, a: [{ x: 1 }] }, { $addToSet: { a: { x: 1 } } })[0]).toBe(false);
    expect(apply({ _id: 1, a: [1] }, { $addToSet: { a: { $each: [1, 4, 4, 5] } } })[1]).toEqual({ _id: 1, a: [1, 4, 5] });
    expect(apply({ _id: 1 }, { $addToSet: { a: { $each: [2, 2] } } })[1]).toEqual({ _id: 1, a: [2] });
  });

  it("rejects non-array fields and a malformed $each", () => {
    expectError(
      applyError({ _id: 1, a: 1 }, { $addToSet: { a: 2 } }),
      2,
      "Cannot apply $addToSet to non-array field. Field named 'a' has non-array type int",
    );
    expectError(
      () => validateOperatorUpdate({ $addToSet: { a: { $each: "x" } } }),
      14,
      "The argument to $each in $addToSet must be an array but it was of type string",
    );
  });
});

describe("$pull, $pullAll and $pop", () => {
  it("$pull removes equal values, elements meeting a condition, or matching subdocuments", () => {
    expect(apply({ _id: 1, a: [1, 2, 1, Long.fromNumber(1)] }, { $pull: { a: 1 } })[1]).toEqual({ _id: 1, a: [2] });
    expect(apply({ _id: 1, a: [5, 6, 7, "x"] }, { $pull: { a: { $gte: 6 } } })[1]).toEqual({ _id: 1, a: [5, "x"] });
    expect(apply({ _id: 1, a: ["apple", "kiwi"] }, { $pull: { a: /^a/ } })[1]).toEqual({ _id: 1, a: ["kiwi"] });
    expect(
      apply({ _id: 1, a: [{ s: 1, k: "a" }, { s: 9, k: "b" }, 3] }, { $pull: { a: { s: { $lt: 5 } } } })[1],
    ).toEqual({ _id: 1, a: [{ s: 9, k: "b" }, 3] });
    expect(apply({ _id: 1, a: [{ b: 1 }, 2] }, { $pull: { a: {} } })[1]).toEqual({ _id: 1, a: [2] });
    expect(apply({ _id: 1, a: [1] }, { $pull: { a: 2, b: 1 } })[0]).toBe(false);
  });

  it("$pull matches strings with the collation", () => {
    const queryOptions = { collation: { locale: "en", strength: 2 } };
    expect(apply({ _id: 1, a: ["A", "b"] }, { $pull: { a: "a" } }, { queryOptions })[1]).toEqual({ _id: 1, a: ["b"] });
  });

  it("$pull refuses non-arrays and paths it cannot traverse", () => {
    expectError(applyError({ _id: 1, a: 1 }, { $pull: { a: 1 } }), 2, "Cannot apply $pull to a non-array value");
    expectError(
      applyError({ _id: 1, a: 1 }, { $pull: { "a.b": 1 } }),
      28,
      "Cannot use the part (b) of (a.b) to traverse the element ({a: 1})",
    );
  });

  it("$pullAll removes every listed value", () => {
    expect(apply({ _id: 1, a: [1, 2, 3, 2] }, { $pullAll: { a: [2, 3] } })[1]).toEqual({ _id: 1, a: [1] });
    expectError(() => validateOperatorUpdate({ $pullAll: { a: 1 } }), 2, "$pullAll requires an array argument but was given a int");
  });

  it("$pop removes the last or first element", () => {
    expect(apply({ _id: 1, a: [1, 2, 3] }, { $pop: { a: 1 } })[1]).toEqual({ _id: 1, a: [1, 2] });
    expect(apply({ _id: 1, a: [1, 2, 3] }, { $pop: { a: -1 } })[1]).toEqual({ _id: 1, a: [2, 3] });
    expect(apply({ _id: 1, a: [] }, { $pop: { a: 1 } })[0]).toBe(false);
    expect(apply({ _id: 1 }, { $pop: { a: 1 } })[0]).toBe(false);
    expectError(
      applyError({ _id: 1, a: 1 }, { $pop: { a: 1 } }),
      14,
      "Path 'a' contains an element of non-array type 'int'",
    );
    expectError(() => validateOperatorUpdate({ $pop: { a: 2 } }), 9, "$pop expects 1 or -1, found: 2");
    expectError(() => validateOperatorUpdate({ $pop: { a: "x" } }), 9, 'Expected a number in: a: "x"');
  });
});

describe("$bit", () => {
  it("applies and/or/xor to ints and longs", () => {
    expect(apply({ _id: 1, a: 13 }, { $bit: { a: { and: 10 } } })[1].a).toBe(8);
    expect(apply({ _id: 1, a: 13 }, { $bit: { a: { or: 2, xor: 1 } } })[1].a).toBe(14);
    const long = apply({ _id: 1, a: 1 }, { $bit: { a: { or: Long.fromNumber(4) } } })[1].a;
    expect(long).toBeInstanceOf(Long);
    expect(String(long)).toBe("5");
    expect(apply({ _id: 1 }, { $bit: { a: { or: 6 } } })[1].a).toBe(6);
    expect(apply({ _id: 1, a: 3 }, { $bit: { a: { and: 3 } } })[0]).toBe(false);
  });

  it("rejects non-integers", () => {
    expectError(
      () => validateOperatorUpdate({ $bit: { a: { and: 1.5 } } }),
      2,
      "The $bit modifier field must be an Integer(32/64 bit); a 'double' is not supported here: {and: 1.5}",
    );
    expectError(
      () => validateOperatorUpdate({ $bit: { a: { nand: 1 } } }),
      2,
      "The $bit modifier only supports 'and', 'or', and 'xor', not 'nand' which is an unknown operator: {nand: 1}",
    );
    expectError(
      applyError({ _id: 1, a: 1.5 }, { $bit: { a: { and: 1 } } }),
      2,
      "Cannot apply $bit to a value of non-integral type._id: 1 has the field a of non-integer type double",
    );
  });
});

describe("positional $", () => {
  it("updates the first element matched by the query", () => {
    const doc = { _id: 1, a: [{ b: 1, c: 0 }, { b: 2, c: 0 }, { b: 2, c: 0 }] };
    expect(apply(doc, { $set: { "a.$.c": 9 } }, { query: { _id: 1, "a.b": 2 } })[1].a).toEqual([
      { b: 1, c: 0 },
      { b: 2, c: 9 },
      { b: 2, c: 0 },
    ]);
    expect(apply({ _id: 1, a: [4, 5, 6] }, { $inc: { "a.$": 10 } }, { query: { a: 5 } })[1].a).toEqual([4, 15, 6]);
    expect(
      apply({ _id: 1, a: [{ b: 1, c: 1 }, { b: 1, c: 2 }] }, { $unset: { "a.$.b": 1 } }, { query: { a: { $elemMatch: { b: 1, c: 2 } } } })[1].a,
    ).toEqual([{ b: 1, c: 1 }, { c: 2 }]);
    expect(apply({ _id: 1, a: [1, 7, 9] }, { $set: { "a.$": 0 } }, { query: { a: { $gt: 5 } } })[1].a).toEqual([1, 0, 9]);
  });

  it("takes the index from $in, each $all member, or any array the query crossed", () => {
    expect(apply({ _id: 1, a: [1, 2, 3] }, { $set: { "a.$": 0 } }, { query: { a: { $in: [3, 2] } } })[1].a).toEqual([1, 0, 3]);
    // $all is one equality per member and the last one to match sets the index.
    expect(apply({ _id: 1, a: [1, 2, 3] }, { $set: { "a.$": 0 } }, { query: { a: { $all: [3, 1] } } })[1].a).toEqual([0, 2, 3]);
    expect(
      apply({ _id: 1, a: [1, 2], c: [5, 6, 7] }, { $set: { "c.$": 0 } }, { query: { a: 2 } })[1].c,
    ).toEqual([5, 0, 7]);
    expect(
      apply({ _id: 1, a: [{ b: [1, 2] }, { b: [3] }] }, { $set: { "a.$.c": 0 } }, { query: { "a.b": 3 } })[1].a,
    ).toEqual([{ b: [1, 2] }, { b: [3], c: 0 }]);
  });

  it("fails when the query matched no array element", () => {
    const message = "The positional operator did not find the match needed from the query.";
    expectError(applyError({ _id: 1, a: [1, 2] }, { $set: { "a.$": 0 } }, { query: { _id: 1 } }), 2, message);
    expectError(applyError({ _id: 1 }, { $set: { "a.$": 0 } }, { query: { "a": 1 }, isUpsertInsert: true }), 2, message);
  });

  it("merges with an explicit index and reports a conflict on the same element", () => {
    expect(
      apply({ _id: 1, a: [{ b: 1 }, { b: 2 }] }, { $set: { "a.$.c": 1, "a.1.d": 2 } }, { query: { "a.b": 2 } })[1].a,
    ).toEqual([{ b: 1 }, { b: 2, c: 1, d: 2 }]);
    expectError(
      applyError({ _id: 1, a: [1, 2] }, { $set: { "a.$": 5, "a.1": 6 } }, { query: { a: 2 } }),
      40,
      "Update created a conflict at 'a.1'",
    );
  });

  it("validates the path", () => {
    expectError(() => validateOperatorUpdate({ $set: { "$.a": 1 } }), 2, "Cannot have positional (i.e. '$') element in the first position in path '$.a'");
    expectError(() => validateOperatorUpdate({ $set: { "a.$.b.$": 1 } }), 2, "Too many positional (i.e. '$') elements found in path 'a.$.b.$'");
  });
});

describe("$[] and $[<identifier>]", () => {
  it("$[] updates every element", () => {
    expect(apply({ _id: 1, a: [1, 2] }, { $inc: { "a.$[]": 1 } })[1].a).toEqual([2, 3]);
    expect(apply({ _id: 1, a: [{ b: 1 }, {}] }, { $set: { "a.$[].b": 0 } })[1].a).toEqual([{ b: 0 }, { b: 0 }]);
    expect(apply({ _id: 1, a: [] }, { $set: { "a.$[]": 1 } })[0]).toBe(false);
  });

  it("$[<id>] updates the elements its array filter matches", () => {
    const grades = { _id: 1, grades: [95, 102, 90, 150] };
    expect(
      apply(grades, { $set: { "grades.$[g]": 100 } }, { arrayFilters: [{ g: { $gte: 100 } }] })[1].grades,
    ).toEqual([95, 100, 90, 100]);
    const docs = { _id: 1, a: [{ x: 1, n: 0 }, { x: 5, n: 0 }] };
    expect(apply(docs, { $inc: { "a.$[e].n": 1 } }, { arrayFilters: [{ "e.x": { $gt: 1 } }] })[1].a).toEqual([
      { x: 1, n: 0 },
      { x: 5, n: 1 },
    ]);
  });

  it("nests identifiers and combines with $[]", () => {
    const doc = { _id: 1, a: [{ b: [1, 5] }, { b: [7] }] };
    expect(
      apply(doc, { $set: { "a.$[i].b.$[j]": 0 } }, { arrayFilters: [{ "i.b": 7 }, { j: { $gt: 2 } }] })[1].a,
    ).toEqual([{ b: [1, 5] }, { b: [0] }]);
    expect(apply({ _id: 1, a: [[1, 2], [3]] }, { $inc: { "a.$[].$[]": 1 } })[1].a).toEqual([[2, 3], [4]]);
  });

  it("reports conflicting filters that meet on one element", () => {
    expectError(
      applyError({ _id: 1, a: [1, 2] }, { $set: { "a.$[x]": 0, "a.$[y]": 1 } }, { arrayFilters: [{ x: 2 }, { y: { $gt: 1 } }] }),
      40,
      "Update created a conflict at 'a.1'",
    );
  });

  it("requires an existing array", () => {
    expectError(
      applyError({ _id: 1 }, { $set: { "a.$[].b": 1 } }),
      2,
      "The path 'a' must exist in the document in order to apply array updates.",
    );
    expectError(
      applyError({ _id: 1, a: { b: 1 } }, { $set: { "a.$[]": 1 } }),
      2,
      "Cannot apply array updates to non-array element a: { b: 1 }",
    );
  });

  it("validates identifiers and array filters", () => {
    expectError(
      () => validateOperatorUpdate({ $set: { "a.$[x]": 1 } }),
      2,
      "No array filter found for identifier 'x' in path 'a.$[x]'",
    );
    expectError(
      () => validateOperatorUpdate({ $set: { "a.$[x]": 1 } }, [{ x: 1 }, { y: 2 }]),
      9,
      "The array filter for identifier 'y' was not used in the update { $set: { a.$[x]: 1 } }",
    );
    expectError(
      () => validateOperatorUpdate({ $set: { "$[x]": 1 } }, [{ x: 1 }]),
      2,
      "Cannot have array filter identifier (i.e. '$[<id>]') element in the first position in path '$[x]'",
    );
    expectError(
      () => validateOperatorUpdate({ $set: { "a.$[X]": 1 } }, [{ X: 1 }]),
      2,
      "Error parsing array filter :: caused by :: The top-level field name must be an alphanumeric string beginning " +
        "with a lowercase letter, found 'X'",
    );
    expectError(
      () => validateOperatorUpdate({ $set: { "a.$[x]": 1 } }, [{ x: 1, y: 1 }]),
      9,
      "Error parsing array filter :: caused by :: Expected a single top-level field name, found 'x' and 'y'",
    );
    expectError(
      () => validateOperatorUpdate({ $set: { "a.$[x]": 1 } }, [{ x: 1 }, { x: 2 }]),
      9,
      "Found multiple array filters with the same top-level field name x",
    );
    expectError(
      () => validateOperatorUpdate({ $set: { a: 1 } }, [{ $expr: true }]),
      9,
      "Cannot use an expression without a top-level field name in arrayFilters",
    );
  });
});

describe("validateOperatorUpdate", () => {
  it("rejects unknown modifiers and non-document operands", () => {
    expectError(
      () => validateOperatorUpdate({ $foo: { a: 1 } }),
      9,
      "Unknown modifier: $foo. Expected a valid update modifier or pipeline-style update specified as an array",
    );
    expectError(
      () => validateOperatorUpdate({ $set: "x" }),
      9,
      'Modifiers operate on fields but we found type string instead. For example: {$mod: {<field>: ...}} not {$set: "x"}',
    );
  });

  it("accepts an empty operand, which changes nothing (MongoDB 5.0+)", () => {
    expect(() => validateOperatorUpdate({ $set: {} })).not.toThrow();
    expect(apply({ _id: 1 }, { $set: {}, $unset: {} })).toEqual([false, { _id: 1 }]);
  });

  it("rejects conflicting paths", () => {
    expectError(
      () => validateOperatorUpdate({ $set: { a: 1, "a.b": 2 } }),
      40,
      "Updating the path 'a.b' would create a conflict at 'a'",
    );
    expectError(
      () => validateOperatorUpdate({ $set: { "a.b": 1 }, $inc: { "a.b": 2 } }),
      40,
      "Updating the path 'a.b' would create a conflict at 'a.b'",
    );
    expect(() => validateOperatorUpdate({ $set: { "a.b": 1, "a.c": 2, ab: 1 } })).not.toThrow();
  });

  it("rejects empty paths and empty path parts", () => {
    expectError(() => validateOperatorUpdate({ $set: { "": 1 } }), 56, "An empty update path is not valid.");
    expectError(
      () => validateOperatorUpdate({ $set: { "a..b": 1 } }),
      56,
      "The update path 'a..b' contains an empty field name, which is not allowed.",
    );
  });
});

describe("isReplacement", () => {
  it("decides by the first field", () => {
    expect(isReplacement({ a: 1 })).toBe(true);
    expect(isReplacement({})).toBe(true);
    expect(isReplacement({ $set: { a: 1 } })).toBe(false);
    expectError(
      () => isReplacement({ $set: { a: 1 }, b: 1 }),
      9,
      "Unknown modifier: b. Expected a valid update modifier or pipeline-style update specified as an array",
    );
  });
});

describe("seedUpsertDocument", () => {
  it("collects equality conditions into a document, _id first", () => {
    expect(
      seedUpsertDocument({
        "b.c": 2,
        a: { $eq: 1 },
        $and: [{ d: 3 }, { $and: [{ e: { $in: [4] } }] }],
        $or: [{ f: 5 }],
        g: { $all: [6] },
        _id: 9,
      }),
    ).toEqual({ _id: 9, a: 1, b: { c: 2 }, d: 3, e: 4, f: 5, g: 6 });
    expect(Object.keys(seedUpsertDocument({ a: 1, _id: 2 }))[0]).toBe("_id");
    expect(seedUpsertDocument({ "_id.x": 1, "_id.y": 2 })).toEqual({ _id: { x: 1, y: 2 } });
  });

  it("ignores conditions that do not pin a value", () => {
    expect(
      seedUpsertDocument({
        a: { $gt: 1 },
        b: /x/,
        c: { $in: [1, 2] },
        d: { $ne: 1 },
        $or: [{ e: 1 }, { e: 2 }],
        $nor: [{ f: 1 }],
        g: { $elemMatch: { $eq: 1 } },
      }),
    ).toEqual({});
    expect(seedUpsertDocument({ x: { $eq: /abc/ } }).x).toEqual(/abc/);
    expect(seedUpsertDocument({ x: { "y.z": 1 } })).toEqual({ x: { "y.z": 1 } });
  });

  it("refuses a path set twice", () => {
    expectError(() => seedUpsertDocument({ a: 1, "a.b": 2 }), 54, "cannot infer query fields to set, both paths 'a.b' and 'a' are matched");
    expectError(() => seedUpsertDocument({ a: 1, $and: [{ a: 2 }] }), 54, "cannot infer query fields to set, path 'a' is matched twice");
    expectError(() => seedUpsertDocument({ x: { $all: [1, 2] } }), 54, "cannot infer query fields to set, path 'x' is matched twice");
  });

  it("feeds an upsert's insert", () => {
    const doc = seedUpsertDocument({ _id: 1, a: 1 });
    expect(apply(doc, { $set: { b: 2 }, $setOnInsert: { c: 3 }, $inc: { a: 1 } }, { isUpsertInsert: true })[1]).toEqual({
      _id: 1,
      a: 2,
      b: 2,
      c: 3,
    });
    expectError(
      applyError(seedUpsertDocument({ _id: 1 }), { $set: { _id: 2 } }, { isUpsertInsert: true }),
      66,
      "Performing an update on the path '_id' would modify the immutable field '_id'",
    );
  });
});
