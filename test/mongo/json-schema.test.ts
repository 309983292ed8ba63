import {
  Binary,
  BSONRegExp,
  BSONSymbol,
  Code,
  DBRef,
  Decimal128,
  Long,
  MaxKey,
  MinKey,
  ObjectId,
  Timestamp,
  deserialize,
  serialize,
} from "bson";
import { describe, expect, it } from "vitest";
import { CommandError } from "../../local/mongo/errors.ts";
import { compileJsonSchema, describeValidationFailure } from "../../local/mongo/json-schema/index.ts";

type Doc = Record<string, unknown>;

const validate = (schema: Doc, doc: Doc) => compileJsonSchema(schema).validate(doc);
const passes = (schema: Doc, doc: Doc) => validate(schema, doc) === null;

/** Field order matters on the wire: compare values and, recursively, key order. */
function keyOrder(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(keyOrder);
  if (value && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.entries(value).map(([k, v]) => [k, keyOrder(v)]);
  }
  return null;
}
function expectDetails(actual: unknown, expected: unknown): void {
  expect(actual).toEqual(expected);
  expect(keyOrder(actual)).toEqual(keyOrder(expected));
}

/** Wraps rule details the way a failing root schema reports them. */
const root = (...rules: Doc[]) => ({ operatorName: "$jsonSchema", schemaRulesNotSatisfied: rules });
const property = (propertyName: string, ...details: Doc[]) => ({ operatorName: "properties", propertiesNotSatisfied: [{ propertyName, details }] });

function compileError(schema: Doc): CommandError {
  try {
    compileJsonSchema(schema);
  } catch (error) {
    expect(error).toBeInstanceOf(CommandError);
    return error as CommandError;
  }
  throw new Error(`schema compiled: ${JSON.stringify(schema)}`);
}

describe("invalid schemas", () => {
  const cases: Array<[string, Doc, number, string]> = [
    ["unknown keyword", { foo: 1 }, 9, "Unknown $jsonSchema keyword: foo"],
    ["unknown nested keyword", { properties: { a: { bar: 1 } } }, 9, "Unknown $jsonSchema keyword: bar"],
    ["$ref", { $ref: "#/x" }, 9, "$jsonSchema keyword '$ref' is not currently supported"],
    ["$schema", { $schema: "x" }, 9, "$jsonSchema keyword '$schema' is not currently supported"],
    ["default", { properties: { a: { default: 1 } } }, 9, "$jsonSchema keyword 'default' is not currently supported"],
    ["definitions", { definitions: {} }, 9, "$jsonSchema keyword 'definitions' is not currently supported"],
    ["format", { format: "email" }, 9, "$jsonSchema keyword 'format' is not currently supported"],
    ["id", { id: "x" }, 9, "$jsonSchema keyword 'id' is not currently supported"],
    ["bsonType alias", { bsonType: "foo" }, 2, "Unknown type name alias: foo"],
    ["type alias", { properties: { a: { type: "int" } } }, 2, "Unknown type name alias: int"],
    ["missing alias", { bsonType: "missing" }, 2,
      "'missing' is not a legal type name. To query for non-existence of a field, use {$exists:false}."],
    ["integer", { type: "integer" }, 9, "$jsonSchema type 'integer' is not currently supported."],
    ["integer in array", { bsonType: ["object", "integer"] }, 9, "$jsonSchema type 'integer' is not currently supported."],
    ["type and bsonType", { type: "object", bsonType: "object" }, 9,
      "Cannot specify both $jsonSchema keywords 'type' and 'bsonType'"],
    ["type not string", { type: 1 }, 14, "$jsonSchema keyword 'type' must be either a string or an array of strings"],
    ["type element", { bsonType: ["object", 1] }, 14, "$jsonSchema keyword 'bsonType' array elements must be strings"],
    ["type duplicate", { bsonType: ["int", "int"] }, 9, "$jsonSchema keyword 'bsonType' has duplicate value: int"],
    ["type empty", { type: [] }, 9, "$jsonSchema keyword 'type' must name at least one type"],
    ["title", { title: 1 }, 14, "$jsonSchema keyword 'title' must be of type string"],
    ["description", { description: {} }, 14, "$jsonSchema keyword 'description' must be of type string"],
    ["maximum", { maximum: "1" }, 14, "$jsonSchema keyword 'maximum' must be a number"],
    ["minimum", { minimum: null }, 14, "$jsonSchema keyword 'minimum' must be a number"],
    ["exclusiveMaximum alone", { exclusiveMaximum: true }, 9,
      "$jsonSchema keyword 'maximum' must be a present if exclusiveMaximum is present"],
    ["exclusiveMinimum type", { minimum: 1, exclusiveMinimum: 1 }, 14, "$jsonSchema keyword 'exclusiveMinimum' must be a boolean"],
    ["pattern type", { pattern: 1 }, 14, "$jsonSchema keyword 'pattern' must be a string"],
    ["multipleOf type", { multipleOf: "2" }, 14, "$jsonSchema keyword 'multipleOf' must be a number"],
    ["multipleOf zero", { multipleOf: 0 }, 9, "$jsonSchema keyword 'multipleOf' must have a positive value"],
    ["multipleOf negative", { multipleOf: -2.5 }, 9, "$jsonSchema keyword 'multipleOf' must have a positive value"],
    ["minLength string", { minLength: "x" }, 9, 'Expected a number in: minLength: "x"'],
    ["maxLength negative", { maxLength: -1 }, 9, "Expected a positive number in: maxLength: -1"],
    ["minItems fraction", { minItems: 1.5 }, 9, "Expected an integer: minItems: 1.5"],
    ["maxProperties NaN", { maxProperties: Number.NaN }, 9, "Expected an integer, but found NaN in: maxProperties: NaN"],
    ["required type", { required: "a" }, 14, "$jsonSchema keyword 'required' must be an array, but found an element of type string"],
    ["required element", { required: ["a", 1] }, 14,
      "$jsonSchema keyword 'required' must be an array of strings, but found an element of type: int"],
    ["required duplicate", { required: ["a", "a"] }, 9, "$jsonSchema keyword 'required' array cannot contain duplicate values"],
    ["required empty", { required: [] }, 9, "$jsonSchema keyword 'required' cannot be an empty array"],
    ["properties type", { properties: [] }, 14, "$jsonSchema keyword 'properties' must be an object"],
    ["property schema", { properties: { a: 1 } }, 14, "Nested schema for $jsonSchema property 'a' must be an object"],
    ["patternProperties type", { patternProperties: 1 }, 14, "$jsonSchema keyword 'patternProperties' must be an object"],
    ["patternProperties schema", { patternProperties: { "^a": true } }, 14,
      "$jsonSchema keyword 'patternProperties' has property '^a' which is not an object"],
    ["additionalProperties", { additionalProperties: "no" }, 14,
      "$jsonSchema keyword 'additionalProperties' must be an object or a boolean"],
    ["items", { items: "x" }, 14, "$jsonSchema keyword 'items' must be an array or an object, not string"],
    ["items element", { items: [{}, 1] }, 14,
      "$jsonSchema keyword 'items' requires that each element of the array is an object, but found a int"],
    ["additionalItems", { additionalItems: 1 }, 14,
      "$jsonSchema keyword 'additionalItems' must be either an object or a boolean, but got a int"],
    ["uniqueItems", { uniqueItems: 1 }, 14, "$jsonSchema keyword 'uniqueItems' must be a boolean"],
    ["allOf type", { allOf: {} }, 14, "$jsonSchema keyword 'allOf' must be an array"],
    ["anyOf empty", { anyOf: [] }, 2, "$jsonSchema keyword 'anyOf' must be a non-empty array"],
    ["oneOf element", { oneOf: [{}, "x"] }, 14,
      "$jsonSchema keyword 'oneOf' must be an array of objects, but found an element of type string"],
    ["not type", { not: [] }, 14, "$jsonSchema keyword 'not' must be an object, but found an element of type array"],
    ["enum type", { enum: 1 }, 14, "$jsonSchema keyword 'enum' must be an array, but found an element of type int"],
    ["enum empty", { enum: [] }, 9, "$jsonSchema keyword 'enum' cannot be an empty array"],
    ["enum duplicate", { enum: [{ a: 1, b: 2 }, { b: 2, a: 1 }] }, 9,
      "$jsonSchema keyword 'enum' array cannot contain duplicate values."],
    ["dependencies type", { dependencies: [] }, 14, "$jsonSchema keyword 'dependencies' must be an object"],
    ["dependency value", { dependencies: { a: 1 } }, 14,
      "property 'a' in $jsonSchema keyword 'dependencies' must be either an object or an array"],
    ["dependency empty", { dependencies: { a: [] } }, 9,
      "property 'a' in $jsonSchema keyword 'dependencies' cannot be an empty array"],
    ["dependency element", { dependencies: { a: ["b", 2] } }, 14,
      "array 'a' in $jsonSchema keyword 'dependencies' can only contain strings, but found element of type: int"],
    ["dependency duplicate", { dependencies: { a: ["b", "b"] } }, 9,
      "array 'a' in $jsonSchema keyword 'dependencies' contains duplicate element: b"],
  ];
  it.each(cases)("%s", (_name, schema, code, message) => {
    const error = compileError(schema);
    expect(error.code).toBe(code);
    expect(error.message).toBe(message);
  });

  it("rejects an invalid regular expression with code 51091", () => {
    expect(compileError({ properties: { a: { pattern: "(" } } }).code).toBe(51091);
    expect(compileError({ patternProperties: { "[": {} } }).code).toBe(51091);
  });

  it("allows title, description and annotation strings inside dependencies", () => {
    expect(() => compileJsonSchema({ title: "t", description: "d", dependencies: { title: "x", a: ["b"] } })).not.toThrow();
  });

  it("reports errors in the server's keyword order", () => {
    // Scalar keywords are parsed before logical ones, whatever the field order.
    expect(compileError({ enum: [], maximum: "x" }).message).toBe("$jsonSchema keyword 'maximum' must be a number");
  });
});

describe("bsonType", () => {
  const samples: Array<[string, unknown]> = [
    ["double", 1.5],
    ["string", "x"],
    ["object", { a: 1 }],
    ["array", [1]],
    ["binData", new Binary(Buffer.from("ab"))],
    ["objectId", new ObjectId()],
    ["bool", true],
    ["date", new Date(0)],
    ["null", null],
    ["regex", /a/],
    ["javascript", new Code("function () {}")],
    ["int", 5],
    ["timestamp", new Timestamp({ t: 1, i: 2 })],
    ["long", Long.fromNumber(5)],
    ["decimal", Decimal128.fromString("1.5")],
    ["minKey", new MinKey()],
    ["maxKey", new MaxKey()],
  ];
  const schema = (bsonType: unknown) => ({ properties: { v: { bsonType } } });

  it.each(samples)("%s matches its own type and no other sample", (alias, value) => {
    expect(passes(schema(alias), { v: value })).toBe(true);
    for (const [other, otherValue] of samples) {
      if (other !== alias) expect(passes(schema(alias), { v: otherValue }), `${alias} vs ${other}`).toBe(false);
    }
  });

  it("recognises BSONRegExp, symbols and DBRefs", () => {
    expect(passes(schema("regex"), { v: new BSONRegExp("a", "i") })).toBe(true);
    expect(passes(schema("symbol"), { v: new BSONSymbol("s") })).toBe(true);
    expect(passes(schema("object"), { v: new DBRef("c", new ObjectId()) })).toBe(true);
  });

  it("'number' matches every numeric type and nothing else", () => {
    for (const v of [1, 1.5, Long.fromNumber(1), Decimal128.fromString("2")]) expect(passes(schema("number"), { v })).toBe(true);
    for (const v of ["1", true, null, [1]]) expect(passes(schema("number"), { v })).toBe(false);
  });

  it("accepts an array of aliases", () => {
    expect(passes(schema(["string", "null"]), { v: null })).toBe(true);
    expect(passes(schema(["string", "null"]), { v: 1 })).toBe(false);
  });

  it("treats an integral double outside int32 as a double", () => {
    expect(passes(schema("double"), { v: 2 ** 40 })).toBe(true);
    expect(passes(schema("int"), { v: 2 ** 40 })).toBe(false);
  });

  it("reports a type mismatch with the considered type", () => {
    expectDetails(validate(schema("int"), { v: 1.1 }), root(property("v", {
      operatorName: "bsonType", specifiedAs: { bsonType: "int" }, reason: "type did not match",
      consideredValue: 1.1, consideredType: "double",
    })));
  });
});

describe("type (JSON types)", () => {
  const schema = (type: unknown) => ({ properties: { v: { type } } });
  it("maps JSON type names onto BSON types", () => {
    expect(passes(schema("object"), { v: {} })).toBe(true);
    expect(passes(schema("array"), { v: [] })).toBe(true);
    expect(passes(schema("boolean"), { v: false })).toBe(true);
    expect(passes(schema("string"), { v: "" })).toBe(true);
    expect(passes(schema("null"), { v: null })).toBe(true);
    expect(passes(schema("number"), { v: Long.fromNumber(3) })).toBe(true);
    expect(passes(schema("boolean"), { v: 0 })).toBe(false);
  });

  it("does not traverse arrays", () => {
    expectDetails(validate(schema("string"), { v: ["a", "b"] }), root(property("v", {
      operatorName: "type", specifiedAs: { type: "string" }, reason: "type did not match",
      consideredValue: ["a", "b"], consideredType: "array",
    })));
  });

  it("at the root, a type without 'object' rejects every document", () => {
    const spec = { type: "number", properties: { a: { minimum: 1 } } };
    expectDetails(validate(spec, { a: 5 }), {
      operatorName: "$jsonSchema", specifiedAs: { $jsonSchema: spec }, reason: "expression always evaluates to false",
    });
    expect(passes({ bsonType: ["object", "string"] }, { a: 1 })).toBe(true);
  });
});

describe("numeric keywords", () => {
  it("minimum / maximum", () => {
    const spec = { properties: { a: { minimum: 1, maximum: 10 } } };
    expect(passes(spec, { a: 1 })).toBe(true);
    expect(passes(spec, { a: 10 })).toBe(true);
    expect(passes(spec, { a: "not a number" })).toBe(true);
    expectDetails(validate(spec, { a: 0 }), root(property("a", {
      operatorName: "minimum", specifiedAs: { minimum: 1 }, reason: "comparison failed", consideredValue: 0,
    })));
  });

  it("reports maximum before minimum, like the server", () => {
    expectDetails(validate({ properties: { a: { properties: { b: { minimum: 10, maximum: -10 } } } } }, { a: { b: 5 } }),
      root(property("a", property("b",
        { operatorName: "maximum", specifiedAs: { maximum: -10 }, reason: "comparison failed", consideredValue: 5 },
        { operatorName: "minimum", specifiedAs: { minimum: 10 }, reason: "comparison failed", consideredValue: 5 },
      ))));
  });

  it("exclusiveMinimum / exclusiveMaximum (draft-4 booleans)", () => {
    const spec = { properties: { a: { minimum: 1, exclusiveMinimum: true, maximum: 5, exclusiveMaximum: true } } };
    expect(passes(spec, { a: 3 })).toBe(true);
    expectDetails(validate(spec, { a: 1 }), root(property("a", {
      operatorName: "minimum", specifiedAs: { minimum: 1, exclusiveMinimum: true }, reason: "comparison failed", consideredValue: 1,
    })));
    expectDetails(validate(spec, { a: 5 }), root(property("a", {
      operatorName: "maximum", specifiedAs: { maximum: 5, exclusiveMaximum: true }, reason: "comparison failed", consideredValue: 5,
    })));
    expect(passes({ properties: { a: { minimum: 1, exclusiveMinimum: false } } }, { a: 1 })).toBe(true);
  });

  it("compares across numeric types", () => {
    const spec = { properties: { a: { maximum: Long.fromNumber(10) } } };
    expect(passes(spec, { a: Decimal128.fromString("9.5") })).toBe(true);
    expect(passes(spec, { a: 10.5 })).toBe(false);
    expect(passes({ properties: { a: { minimum: 0 } } }, { a: Number.NaN })).toBe(false);
  });

  it("ignores minimum when the stated type is not numeric, and lets the type report", () => {
    expectDetails(validate({ properties: { a: { type: "string", minimum: 5 } } }, { a: 6 }), root(property("a", {
      operatorName: "type", specifiedAs: { type: "string" }, reason: "type did not match", consideredValue: 6, consideredType: "int",
    })));
  });

  it("reports both a numeric keyword and a numeric bsonType mismatch", () => {
    expectDetails(validate({ properties: { a: { bsonType: "int", minimum: 1 } } }, { a: 0.5 }), root(property("a",
      { operatorName: "minimum", specifiedAs: { minimum: 1 }, reason: "comparison failed", consideredValue: 0.5 },
      { operatorName: "bsonType", specifiedAs: { bsonType: "int" }, reason: "type did not match", consideredValue: 0.5, consideredType: "double" },
    )));
  });

  it("multipleOf uses decimal arithmetic", () => {
    const spec = { properties: { a: { multipleOf: 0.1 } } };
    expect(passes(spec, { a: 0.3 })).toBe(true);
    expect(passes({ properties: { a: { multipleOf: 2 } } }, { a: Long.fromString("9007199254740994") })).toBe(true);
    expect(passes({ properties: { a: { multipleOf: Decimal128.fromString("0.25") } } }, { a: Decimal128.fromString("1.75") })).toBe(true);
    expect(passes({ properties: { a: { multipleOf: 2 } } }, { a: Number.POSITIVE_INFINITY })).toBe(false);
    expectDetails(validate({ properties: { a: { multipleOf: 2.1 } } }, { a: 1.1 }), root(property("a", {
      operatorName: "multipleOf", specifiedAs: { multipleOf: 2.1 },
      reason: "considered value is not a multiple of the specified value", consideredValue: 1.1,
    })));
  });
});

describe("string keywords", () => {
  it("minLength / maxLength count code points", () => {
    const spec = { properties: { a: { minLength: 2, maxLength: 3 } } };
    expect(passes(spec, { a: "😀😀" })).toBe(true);
    expect(passes(spec, { a: "😀😀😀" })).toBe(true);
    expect(passes(spec, { a: 12345 })).toBe(true);
    expectDetails(validate(spec, { a: "x" }), root(property("a", {
      operatorName: "minLength", specifiedAs: { minLength: 2 }, reason: "specified string length was not satisfied", consideredValue: "x",
    })));
    expectDetails(validate(spec, { a: "wxyz" }), root(property("a", {
      operatorName: "maxLength", specifiedAs: { maxLength: 3 }, reason: "specified string length was not satisfied", consideredValue: "wxyz",
    })));
  });

  it("pattern", () => {
    const spec = { properties: { a: { pattern: "^S" } } };
    expect(passes(spec, { a: "Slow" })).toBe(true);
    expect(passes(spec, { a: 5 })).toBe(true);
    expectDetails(validate(spec, { a: "slow" }), root(property("a", {
      operatorName: "pattern", specifiedAs: { pattern: "^S" }, reason: "regular expression did not match", consideredValue: "slow",
    })));
  });

  it("has no effect at the root", () => {
    expect(passes({ pattern: "^x", minLength: 100, minimum: 5, minItems: 3, items: { type: "string" } }, { a: 1 })).toBe(true);
  });
});

describe("array keywords", () => {
  it("minItems / maxItems", () => {
    const spec = { properties: { a: { minItems: 2, maxItems: 3 } } };
    expect(passes(spec, { a: [1, 2] })).toBe(true);
    expect(passes(spec, { a: "not an array" })).toBe(true);
    expectDetails(validate(spec, { a: [1] }), root(property("a", {
      operatorName: "minItems", specifiedAs: { minItems: 2 }, reason: "array did not match specified length",
      consideredValue: [1], numberOfItems: 1,
    })));
    expectDetails(validate(spec, { a: [1, 2, 3, 4] }), root(property("a", {
      operatorName: "maxItems", specifiedAs: { maxItems: 3 }, reason: "array did not match specified length",
      consideredValue: [1, 2, 3, 4], numberOfItems: 4,
    })));
  });

  it("uniqueItems compares documents regardless of field order", () => {
    const spec = { properties: { a: { uniqueItems: true } } };
    expect(passes(spec, { a: [1, "1", { x: 1 }] })).toBe(true);
    expect(passes({ properties: { a: { uniqueItems: false } } }, { a: [1, 1] })).toBe(true);
    expectDetails(validate(spec, { a: [1, 2, 3, 3, 4, 4] }), root(property("a", {
      operatorName: "uniqueItems", specifiedAs: { uniqueItems: true }, reason: "found a duplicate item",
      consideredValue: [1, 2, 3, 3, 4, 4], duplicatedValue: 3,
    })));
    expect(passes(spec, { a: [{ x: 1, y: 2 }, { y: 2, x: 1 }] })).toBe(false);
    expect(passes(spec, { a: [1, 1.0, Long.fromNumber(1)] })).toBe(false);
  });

  it("items with one schema reports the first failing item", () => {
    const spec = { properties: { a: { items: { type: "string", description: "strings only" } } } };
    expect(passes(spec, { a: ["x", "y"] })).toBe(true);
    expectDetails(validate(spec, { a: ["x", 1, {}] }), root(property("a", {
      operatorName: "items", description: "strings only", reason: "At least one item did not match the sub-schema", itemIndex: 1,
      details: [{ operatorName: "type", specifiedAs: { type: "string" }, reason: "type did not match", consideredValue: 1, consideredType: "int" }],
    })));
  });

  it("nested items", () => {
    expectDetails(validate({ properties: { a: { items: { items: { minimum: 0 } } } } }, { a: [[1], [], [2, 4], [-1]] }), root(property("a", {
      operatorName: "items", reason: "At least one item did not match the sub-schema", itemIndex: 3,
      details: [{
        operatorName: "items", reason: "At least one item did not match the sub-schema", itemIndex: 0,
        details: [{ operatorName: "minimum", specifiedAs: { minimum: 0 }, reason: "comparison failed", consideredValue: -1 }],
      }],
    })));
  });

  it("items as an array of schemas, with additionalItems", () => {
    const spec = { properties: { a: { items: [{ type: "number" }, { type: "string" }], additionalItems: { type: "object" } } } };
    expect(passes(spec, { a: [1] })).toBe(true);
    expect(passes(spec, { a: [1, "x", {}, {}] })).toBe(true);
    expectDetails(validate(spec, { a: ["1", 2, {}, { b: 1 }, "Fail"] }), root(property("a",
      {
        operatorName: "items", details: [
          { itemIndex: 0, details: [{ operatorName: "type", specifiedAs: { type: "number" }, reason: "type did not match", consideredValue: "1", consideredType: "string" }] },
          { itemIndex: 1, details: [{ operatorName: "type", specifiedAs: { type: "string" }, reason: "type did not match", consideredValue: 2, consideredType: "int" }] },
        ],
      },
      {
        operatorName: "additionalItems", reason: "At least one additional item did not match the sub-schema", itemIndex: 4,
        details: [{ operatorName: "type", specifiedAs: { type: "object" }, reason: "type did not match", consideredValue: "Fail", consideredType: "string" }],
      },
    )));
  });

  it("additionalItems: false", () => {
    const spec = { properties: { a: { items: [{ type: "number" }], additionalItems: false } } };
    expect(passes(spec, { a: [1] })).toBe(true);
    expectDetails(validate(spec, { a: [1, "extra", 3] }), root(property("a", {
      operatorName: "additionalItems", specifiedAs: { additionalItems: false }, reason: "found additional items", additionalItems: ["extra", 3],
    })));
    // Without an items array, additionalItems has nothing to follow.
    expect(passes({ properties: { a: { additionalItems: false } } }, { a: [1, 2] })).toBe(true);
  });
});

describe("object keywords", () => {
  it("required reports missing names in byte order", () => {
    expect(passes({ required: ["a"] }, { a: null })).toBe(true);
    expectDetails(validate({ required: ["c", "b", "a"] }, { c: 1 }), root({
      operatorName: "required", specifiedAs: { required: ["c", "b", "a"] }, missingProperties: ["a", "b"],
    }));
  });

  it("a missing required property is reported only by required", () => {
    expectDetails(validate({ required: ["a"], properties: { a: { type: "number", minimum: 1 } } }, {}), root({
      operatorName: "required", specifiedAs: { required: ["a"] }, missingProperties: ["a"],
    }));
  });

  it("the task's example: properties then required, as the server orders them", () => {
    expectDetails(validate({ required: ["name"], properties: { age: { bsonType: "int" } } }, { age: "x" }), root(
      property("age", { operatorName: "bsonType", specifiedAs: { bsonType: "int" }, reason: "type did not match", consideredValue: "x", consideredType: "string" }),
      { operatorName: "required", specifiedAs: { required: ["name"] }, missingProperties: ["name"] },
    ));
  });

  it("properties carry the title and description of their schema", () => {
    const spec = { title: "root title", properties: { a: { type: "string", title: "A", description: "a string" }, b: { type: "number" } } };
    expectDetails(validate(spec, { a: 1, b: 2 }), {
      operatorName: "$jsonSchema", title: "root title", schemaRulesNotSatisfied: [{
        operatorName: "properties", propertiesNotSatisfied: [{
          propertyName: "a", title: "A", description: "a string",
          details: [{ operatorName: "type", specifiedAs: { type: "string" }, reason: "type did not match", consideredValue: 1, consideredType: "int" }],
        }],
      }],
    });
  });

  it("nested properties apply only to objects", () => {
    const spec = { properties: { a: { required: ["b"], properties: { b: { minimum: 1 } } } } };
    expect(passes(spec, { a: 5 })).toBe(true);
    expect(passes(spec, { a: { b: 1 } })).toBe(true);
    expectDetails(validate(spec, { a: {} }), root(property("a", { operatorName: "required", specifiedAs: { required: ["b"] }, missingProperties: ["b"] })));
    expectDetails(validate(spec, { a: { b: 0 } }), root(property("a", property("b",
      { operatorName: "minimum", specifiedAs: { minimum: 1 }, reason: "comparison failed", consideredValue: 0 }))));
  });

  it("minProperties / maxProperties", () => {
    expect(passes({ minProperties: 2, maxProperties: 3 }, { _id: 1, a: 1 })).toBe(true);
    expectDetails(validate({ minProperties: 10 }, { _id: 1, a: 1, b: 2, c: 3 }), root({
      operatorName: "minProperties", specifiedAs: { minProperties: 10 }, reason: "specified number of properties was not satisfied", numberOfProperties: 4,
    }));
    expectDetails(validate({ properties: { a: { maxProperties: 1 } } }, { a: { b: 1, c: 2 } }), root(property("a", {
      operatorName: "maxProperties", specifiedAs: { maxProperties: 1 }, reason: "specified number of properties was not satisfied", numberOfProperties: 2,
    })));
  });

  it("additionalProperties: false lists every extra property, _id included", () => {
    const spec = { properties: { b: { type: "number" } }, additionalProperties: false };
    expect(passes(spec, { b: 1 })).toBe(true);
    expectDetails(validate(spec, { _id: 0, a: 1, b: 2 }), root({
      operatorName: "additionalProperties", specifiedAs: { additionalProperties: false }, additionalProperties: ["_id", "a"],
    }));
  });

  it("additionalProperties with a schema reports the first failing property", () => {
    const spec = { properties: { a: { type: "number" } }, additionalProperties: { type: "string", title: "extras" } };
    expect(passes(spec, { a: 1, b: "x" })).toBe(true);
    expectDetails(validate(spec, { a: 1, b: "ok", c: 2, d: 3 }), root({
      operatorName: "additionalProperties", title: "extras", reason: "at least one additional property did not match the subschema",
      failingProperty: "c",
      details: [{ operatorName: "type", specifiedAs: { type: "string" }, reason: "type did not match", consideredValue: 2, consideredType: "int" }],
    }));
  });

  it("patternProperties, alone and with additionalProperties", () => {
    const spec = { patternProperties: { "^S": { type: "number" } }, additionalProperties: false };
    expect(passes(spec, { Super: 1 })).toBe(true);
    expectDetails(validate(spec, { Super: 1, Slow: "oh no a string", b: 1, _id: 1 }), root(
      { operatorName: "additionalProperties", specifiedAs: { additionalProperties: false }, additionalProperties: ["b", "_id"] },
      { operatorName: "patternProperties", details: [{
        propertyName: "Slow", regexMatched: "^S",
        details: [{ operatorName: "type", specifiedAs: { type: "number" }, reason: "type did not match", consideredValue: "oh no a string", consideredType: "string" }],
      }] },
    ));
    // Pattern schemas also apply to properties named in `properties`.
    expect(passes({ properties: { Sx: {} }, patternProperties: { "^S": { type: "number" } } }, { Sx: "str" })).toBe(false);
  });

  it("one property may fail several patterns", () => {
    expectDetails(validate({ patternProperties: { "^a": { minimum: 3 }, "b$": { maximum: 1 } } }, { a: 45, b: 0, ab: 2 }), root({
      operatorName: "patternProperties", details: [
        { propertyName: "ab", regexMatched: "^a", details: [{ operatorName: "minimum", specifiedAs: { minimum: 3 }, reason: "comparison failed", consideredValue: 2 }] },
        { propertyName: "ab", regexMatched: "b$", details: [{ operatorName: "maximum", specifiedAs: { maximum: 1 }, reason: "comparison failed", consideredValue: 2 }] },
      ],
    }));
  });

  it("property dependencies", () => {
    const spec = { dependencies: { a: ["b", "c"], title: "a needs b and c" } };
    expect(passes(spec, { b: 1 })).toBe(true);
    expect(passes(spec, { a: 1, b: 1, c: 1 })).toBe(true);
    expectDetails(validate(spec, { a: 1, b: 2 }), root({
      operatorName: "dependencies", title: "a needs b and c", failingDependencies: [{ conditionalProperty: "a", missingProperties: ["c"] }],
    }));
  });

  it("schema dependencies", () => {
    const spec = { dependencies: { a: { properties: { b: { type: "number" } } }, b: ["a", "c"] } };
    expectDetails(validate(spec, { a: [0], b: "foo" }), root({
      operatorName: "dependencies", failingDependencies: [
        { conditionalProperty: "a", details: [property("b", { operatorName: "type", specifiedAs: { type: "number" }, reason: "type did not match", consideredValue: "foo", consideredType: "string" })] },
        { conditionalProperty: "b", missingProperties: ["c"] },
      ],
    }));
  });
});

describe("logical keywords", () => {
  it("allOf reports the failing schemas with their index", () => {
    const spec = { properties: { a: { allOf: [{ minimum: 1 }, { maximum: 3, description: "at most 3" }] } } };
    expect(passes(spec, { a: 2 })).toBe(true);
    expectDetails(validate(spec, { a: 4 }), root(property("a", {
      operatorName: "allOf", schemasNotSatisfied: [{
        index: 1, description: "at most 3",
        details: [{ operatorName: "maximum", specifiedAs: { maximum: 3 }, reason: "comparison failed", consideredValue: 4 }],
      }],
    })));
  });

  it("anyOf reports every schema", () => {
    const spec = { properties: { a: { anyOf: [{ type: "string" }, { maximum: 3 }] } } };
    expect(passes(spec, { a: "x" })).toBe(true);
    expect(passes(spec, { a: 2 })).toBe(true);
    expectDetails(validate(spec, { a: 4 }), root(property("a", {
      operatorName: "anyOf", schemasNotSatisfied: [
        { index: 0, details: [{ operatorName: "type", specifiedAs: { type: "string" }, reason: "type did not match", consideredValue: 4, consideredType: "int" }] },
        { index: 1, details: [{ operatorName: "maximum", specifiedAs: { maximum: 3 }, reason: "comparison failed", consideredValue: 4 }] },
      ],
    })));
  });

  it("oneOf: none or several matching", () => {
    const spec = { properties: { a: { oneOf: [{ minimum: 4 }, { maximum: 1 }, { bsonType: "int" }] } } };
    expect(passes(spec, { a: 5.5 })).toBe(true);
    expectDetails(validate(spec, { a: 2.1 }), root(property("a", {
      operatorName: "oneOf", schemasNotSatisfied: [
        { index: 0, details: [{ operatorName: "minimum", specifiedAs: { minimum: 4 }, reason: "comparison failed", consideredValue: 2.1 }] },
        { index: 1, details: [{ operatorName: "maximum", specifiedAs: { maximum: 1 }, reason: "comparison failed", consideredValue: 2.1 }] },
        { index: 2, details: [{ operatorName: "bsonType", specifiedAs: { bsonType: "int" }, reason: "type did not match", consideredValue: 2.1, consideredType: "double" }] },
      ],
    })));
    expectDetails(validate(spec, { a: 5 }), root(property("a", {
      operatorName: "oneOf", reason: "more than one subschema matched", matchingSchemaIndexes: [0, 2],
    })));
  });

  it("not", () => {
    const spec = { properties: { a: { not: { type: "number" } } } };
    expect(passes(spec, { a: "x" })).toBe(true);
    expectDetails(validate(spec, { a: 1 }), root(property("a", { operatorName: "not", reason: "child expression matched" })));
    expectDetails(validate({ not: {} }, {}), root({ operatorName: "not", reason: "child expression matched" }));
  });

  it("logical keywords at the root apply to the document", () => {
    const spec = { anyOf: [{ required: ["a"] }, { required: ["b"] }] };
    expect(passes(spec, { b: 1 })).toBe(true);
    expectDetails(validate(spec, { c: 1 }), root({
      operatorName: "anyOf", schemasNotSatisfied: [
        { index: 0, details: [{ operatorName: "required", specifiedAs: { required: ["a"] }, missingProperties: ["a"] }] },
        { index: 1, details: [{ operatorName: "required", specifiedAs: { required: ["b"] }, missingProperties: ["b"] }] },
      ],
    }));
  });

  it("enum compares by value, numbers across types, documents in any field order", () => {
    const spec = { properties: { a: { enum: [1, "x", { p: 1, q: 2 }] } } };
    expect(passes(spec, { a: Long.fromNumber(1) })).toBe(true);
    expect(passes(spec, { a: { q: 2, p: 1 } })).toBe(true);
    expectDetails(validate(spec, { a: 0 }), root(property("a", {
      operatorName: "enum", specifiedAs: { enum: [1, "x", { p: 1, q: 2 }] }, reason: "value was not found in enum", consideredValue: 0,
    })));
  });

  it("enum at the root matches the whole document", () => {
    const spec = { enum: [{ a: 1, _id: 1 }, "scalar"] };
    expect(passes(spec, { _id: 1, a: 1 })).toBe(true);
    expectDetails(validate(spec, { _id: 1, a: 2 }), root({
      operatorName: "enum", specifiedAs: { enum: [{ a: 1, _id: 1 }, "scalar"] }, reason: "value was not found in enum", consideredValue: { _id: 1, a: 2 },
    }));
    expectDetails(validate({ enum: [1, 2] }, { _id: 1 }), root({
      operatorName: "enum", specifiedAs: { enum: [1, 2] }, reason: "expression always evaluates to false",
    }));
  });
});

describe("server parity cases", () => {
  it("orders properties before additionalProperties at every level", () => {
    const spec = { additionalProperties: false, properties: { _id: {}, a: { type: "object", additionalProperties: false } } };
    expectDetails(validate(spec, { _id: 1, a: { b: 1 }, c: 1 }), root(
      property("a", { operatorName: "additionalProperties", specifiedAs: { additionalProperties: false }, additionalProperties: ["b"] }),
      { operatorName: "additionalProperties", specifiedAs: { additionalProperties: false }, additionalProperties: ["c"] },
    ));
  });

  it("explains a required property missing inside an array item", () => {
    const spec = { properties: { a: { items: { required: ["b"], properties: { b: { minItems: 2 } } } } } };
    expectDetails(validate(spec, { a: [{}] }), root(property("a", {
      operatorName: "items", reason: "At least one item did not match the sub-schema", itemIndex: 0,
      details: [{ operatorName: "required", specifiedAs: { required: ["b"] }, missingProperties: ["b"] }],
    })));
  });

  it("lists every failing dependency", () => {
    const spec = { dependencies: { a: ["b", "c", "d"], b: ["c", "d"], e: ["c", "d"] } };
    expectDetails(validate(spec, { a: 1, b: 2, e: 3 }), root({
      operatorName: "dependencies", failingDependencies: [
        { conditionalProperty: "a", missingProperties: ["c", "d"] },
        { conditionalProperty: "b", missingProperties: ["c", "d"] },
        { conditionalProperty: "e", missingProperties: ["c", "d"] },
      ],
    }));
  });

  it("ignores a keyword whose type contradicts the stated single type", () => {
    expect(passes({ properties: { a: { type: "number", minLength: 100, items: { type: "string" } } } }, { a: 5 })).toBe(true);
    expect(passes({ properties: { a: { bsonType: ["string", "int"], minLength: 3 } } }, { a: "ab" })).toBe(false);
  });
});

describe("failure details", () => {
  it("are valid BSON and survive a round trip", () => {
    const failure = validate({ properties: { a: { bsonType: "long" }, b: { enum: [Decimal128.fromString("1")] } } }, { a: new ObjectId(), b: new Timestamp({ t: 1, i: 1 }) });
    expect(failure).not.toBeNull();
    const copy = deserialize(serialize(failure!));
    expect(copy.operatorName).toBe("$jsonSchema");
  });

  it("leave a missing optional property alone", () => {
    expect(passes({ properties: { a: { type: "string", minLength: 3 } } }, {})).toBe(true);
  });
});

describe("describeValidationFailure", () => {
  it("returns the schema's failure for a pure $jsonSchema validator", () => {
    const validator = { $jsonSchema: { required: ["x"] } };
    const failure = compileJsonSchema(validator.$jsonSchema).validate({ a: 1 });
    expect(describeValidationFailure(validator, { a: 1 }, failure)).toBe(failure);
  });

  it("reports a single query clause directly", () => {
    expectDetails(describeValidationFailure({ x: { $exists: true } }, { _id: 1 }, null), {
      operatorName: "$exists", specifiedAs: { x: { $exists: true } }, reason: "path does not exist",
    });
    expectDetails(describeValidationFailure({ a: 2 }, { a: 1 }, null), {
      operatorName: "$eq", specifiedAs: { a: 2 }, reason: "comparison failed", consideredValue: 1,
    });
    expectDetails(describeValidationFailure({ a: { $gt: 3 } }, { b: 1 }, null), {
      operatorName: "$gt", specifiedAs: { a: { $gt: 3 } }, reason: "field was missing",
    });
    expectDetails(describeValidationFailure({ a: { $lt: 0 } }, { a: [3, 4, 5] }, null), {
      operatorName: "$lt", specifiedAs: { a: { $lt: 0 } }, reason: "comparison failed", consideredValues: [3, 4, 5],
    });
    expectDetails(describeValidationFailure({ a: { $exists: false } }, { a: 1 }, null), {
      operatorName: "$exists", specifiedAs: { a: { $exists: false } }, reason: "path does exist",
    });
  });

  it("explains $type, $in, $nin, $ne and $regex", () => {
    expectDetails(describeValidationFailure({ a: { $type: "int" } }, { a: "one" }, null), {
      operatorName: "$type", specifiedAs: { a: { $type: "int" } }, reason: "type did not match", consideredValue: "one", consideredType: "string",
    });
    expectDetails(describeValidationFailure({ a: { $type: 2 }, b: { $type: ["long", "number"] } }, { a: 1, b: "x" }, null), {
      operatorName: "$and", clausesNotSatisfied: [
        { index: 0, details: { operatorName: "$type", specifiedAs: { a: { $type: 2 } }, reason: "type did not match", consideredValue: 1, consideredType: "int" } },
        { index: 1, details: { operatorName: "$type", specifiedAs: { b: { $type: ["long", "number"] } }, reason: "type did not match", consideredValue: "x", consideredType: "string" } },
      ],
    });
    expectDetails(describeValidationFailure({ a: { $in: [1, 2, 3] } }, { a: 4 }, null), {
      operatorName: "$in", specifiedAs: { a: { $in: [1, 2, 3] } }, reason: "no matching value found in array", consideredValue: 4,
    });
    expectDetails(describeValidationFailure({ a: { $nin: [1, 2, 3] } }, { a: 3 }, null), {
      operatorName: "$nin", specifiedAs: { a: { $nin: [1, 2, 3] } }, reason: "matching value found in array", consideredValue: 3,
    });
    expectDetails(describeValidationFailure({ a: { $ne: 2 } }, { a: 2 }, null), {
      operatorName: "$ne", specifiedAs: { a: { $ne: 2 } }, reason: "comparison succeeded", consideredValue: 2,
    });
    expectDetails(describeValidationFailure({ a: { $regex: "^x", $options: "i" } }, { a: "yes" }, null), {
      operatorName: "$regex", specifiedAs: { a: { $regex: "^x", $options: "i" } }, reason: "regular expression did not match", consideredValue: "yes",
    });
    expectDetails(describeValidationFailure({ a: /^x/ }, { a: 5 }, null), {
      operatorName: "$regex", specifiedAs: { a: /^x/ }, reason: "type did not match", consideredType: "int",
      expectedTypes: ["regex", "string", "symbol"], consideredValue: 5,
    });
  });

  it("lists the failing clauses of several under $and", () => {
    expectDetails(describeValidationFailure({ a: { $gt: 0, $lt: 10 } }, { a: 11 }, null), {
      operatorName: "$and", clausesNotSatisfied: [{ index: 1, details: {
        operatorName: "$lt", specifiedAs: { a: { $lt: 10 } }, reason: "comparison failed", consideredValue: 11,
      } }],
    });
  });

  it("combines $jsonSchema with query operators", () => {
    const validator = { $jsonSchema: { required: ["x"] }, a: { $exists: true }, b: 1 };
    const doc = { b: 1 };
    const schemaFailure = compileJsonSchema(validator.$jsonSchema).validate(doc);
    expectDetails(describeValidationFailure(validator, doc, schemaFailure), {
      operatorName: "$and", clausesNotSatisfied: [
        { index: 0, details: root({ operatorName: "required", specifiedAs: { required: ["x"] }, missingProperties: ["x"] }) },
        { index: 1, details: { operatorName: "$exists", specifiedAs: { a: { $exists: true } }, reason: "path does not exist" } },
      ],
    });
    // A passing schema is not listed.
    expectDetails(describeValidationFailure(validator, { x: 1, b: 1 }, null), {
      operatorName: "$and", clausesNotSatisfied: [
        { index: 1, details: { operatorName: "$exists", specifiedAs: { a: { $exists: true } }, reason: "path does not exist" } },
      ],
    });
  });

  it("reports other operators as an unmatched expression", () => {
    expectDetails(describeValidationFailure({ $expr: { $eq: ["$a", "$b"] } }, { a: 1, b: 2 }, null), {
      operatorName: "$expr", specifiedAs: { $expr: { $eq: ["$a", "$b"] } }, reason: "expression did not match",
    });
    // The unjudged clause is blamed only when no evaluated clause fails.
    expectDetails(describeValidationFailure({ a: { $size: 2 }, b: { $exists: true } }, { a: [1] }, null), {
      operatorName: "$and", clausesNotSatisfied: [
        { index: 1, details: { operatorName: "$exists", specifiedAs: { b: { $exists: true } }, reason: "path does not exist" } },
      ],
    });
  });

  it("explains explicit $and and $or", () => {
    expectDetails(describeValidationFailure({ $or: [{ a: 1 }, { b: { $exists: true } }] }, { a: 2 }, null), {
      operatorName: "$or", clausesNotSatisfied: [
        { index: 0, details: { operatorName: "$eq", specifiedAs: { a: 1 }, reason: "comparison failed", consideredValue: 2 } },
        { index: 1, details: { operatorName: "$exists", specifiedAs: { b: { $exists: true } }, reason: "path does not exist" } },
      ],
    });
    expectDetails(describeValidationFailure({ $and: [{ a: 1 }, { $jsonSchema: { required: ["z"] } }] }, { a: 1 }, null), {
      operatorName: "$and", clausesNotSatisfied: [
        { index: 1, details: root({ operatorName: "required", specifiedAs: { required: ["z"] }, missingProperties: ["z"] }) },
      ],
    });
  });
});
