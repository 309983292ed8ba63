/**
 * The zod -> `$jsonSchema` converter without a server: the exact shapes it emits for each
 * construct (MongoDB's draft-4 dialect with `bsonType`), the keywords it must never leave in, the
 * PCRE rewriting of character classes, and a definition's validator for encrypted fields.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as z from "zod";
import { defineCollection } from "#core/db/collection.ts";
import { FIELD_TYPES } from "#core/db/field-types.ts";
import { pcreCompatible, toMongoJsonSchema } from "#core/db/mongo-json-schema.ts";

const t = FIELD_TYPES.stored;
const FINITE = { minimum: -Number.MAX_VALUE, maximum: Number.MAX_VALUE };
const SAFE = { minimum: -Number.MAX_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER };

describe("toMongoJsonSchema shapes", () => {
  it("maps JSON types to BSON types, integers to int/long/double kept whole by multipleOf 1", () => {
    expect(toMongoJsonSchema(z.string())).toEqual({ bsonType: "string" });
    expect(toMongoJsonSchema(z.boolean())).toEqual({ bsonType: "bool" });
    expect(toMongoJsonSchema(z.null())).toEqual({ bsonType: "null" });
    expect(toMongoJsonSchema(z.number().int())).toEqual({ bsonType: ["int", "long", "double"], ...SAFE, multipleOf: 1 });
    expect(toMongoJsonSchema(z.int().multipleOf(5))).toEqual({ bsonType: ["int", "long", "double"], ...SAFE, multipleOf: 5 });
    expect(toMongoJsonSchema(z.union([z.string(), z.null()]))).toEqual({ bsonType: ["string", "null"] });
  });

  it("bounds every number finitely, since zod refuses NaN and ±Infinity", () => {
    expect(toMongoJsonSchema(z.number())).toEqual({ bsonType: "number", ...FINITE });
    expect(toMongoJsonSchema(z.number().min(0))).toEqual({ bsonType: "number", minimum: 0, maximum: Number.MAX_VALUE });
    expect(toMongoJsonSchema(z.number().multipleOf(0.5))).toEqual({ bsonType: "number", multipleOf: 0.5, ...FINITE });
  });

  it("writes exclusive bounds in draft-4 form", () => {
    expect(toMongoJsonSchema(z.number().gt(0).lt(10))).toEqual({ bsonType: "number", minimum: 0, exclusiveMinimum: true, maximum: 10, exclusiveMaximum: true });
    expect(toMongoJsonSchema(z.number().positive())).toEqual({ bsonType: "number", minimum: 0, exclusiveMinimum: true, maximum: Number.MAX_VALUE });
  });

  it("turns const into a one-value enum", () => {
    expect(toMongoJsonSchema(z.literal("exotel"))).toEqual({ bsonType: "string", enum: ["exotel"] });
    expect(toMongoJsonSchema(z.literal(3))).toEqual({ bsonType: "number", enum: [3] });
    expect(toMongoJsonSchema(z.enum(["admin", "manager"]))).toEqual({ bsonType: "string", enum: ["admin", "manager"] });
  });

  it("writes dates and ObjectIds as their BSON types", () => {
    expect(toMongoJsonSchema(t.date())).toEqual({ bsonType: "date" });
    expect(toMongoJsonSchema(t.objectId())).toEqual({ bsonType: "objectId" });
    expect(toMongoJsonSchema(t.date().nullable())).toEqual({ anyOf: [{ bsonType: "date" }, { bsonType: "null" }] });
    expect(toMongoJsonSchema(z.array(t.objectId()))).toEqual({ bsonType: "array", items: { bsonType: "objectId" } });
  });

  it("keeps string lengths and patterns, and regex flags as an inline group", () => {
    expect(toMongoJsonSchema(z.string().min(2).max(5))).toEqual({ bsonType: "string", minLength: 2, maxLength: 5 });
    expect(toMongoJsonSchema(z.string().regex(/^\+?[\d\s-()]+$/))).toEqual({ bsonType: "string", pattern: "^\\+?[\\d\\s()-]+$" });
    expect(toMongoJsonSchema(z.string().regex(/^[a-z]+$/i))).toEqual({ bsonType: "string", pattern: "(?i:^[a-z]+$)" });
    expect(toMongoJsonSchema(z.string().regex(/^a/).regex(/b$/ms))).toEqual({ bsonType: "string", allOf: [{ pattern: "^a" }, { pattern: "(?ms:b$)" }] });
    expect(toMongoJsonSchema(z.string().regex(/x/gu))).toEqual({ bsonType: "string", pattern: "x" });
    expect(() => toMongoJsonSchema(z.string().regex(/[\p{L}--[a-z]]/v))).toThrow(/flag MongoDB cannot apply/);
  });

  it("writes strict objects with additionalProperties false and loose ones without", () => {
    const shape = { name: z.string(), note: z.string().optional(), role: z.enum(["a", "b"]).default("a") };
    const properties = { name: { bsonType: "string" }, note: { bsonType: "string" }, role: { bsonType: "string", enum: ["a", "b"] } };

    expect(toMongoJsonSchema(z.strictObject(shape))).toEqual({ bsonType: "object", properties, required: ["name"], additionalProperties: false });
    expect(toMongoJsonSchema(z.looseObject(shape))).toEqual({ bsonType: "object", properties, required: ["name"] });
    expect(toMongoJsonSchema(z.object(shape))).toEqual({ bsonType: "object", properties, required: ["name"] });
  });

  it("writes records, tuples and discriminated unions in draft-4 terms", () => {
    expect(toMongoJsonSchema(z.record(z.string(), z.boolean()))).toEqual({ bsonType: "object", additionalProperties: { bsonType: "bool" } });
    expect(toMongoJsonSchema(z.tuple([z.string(), z.boolean()]))).toEqual({ bsonType: "array", items: [{ bsonType: "string" }, { bsonType: "bool" }], minItems: 2, maxItems: 2, additionalItems: false });
    expect(toMongoJsonSchema(z.tuple([z.string()], z.boolean()))).toEqual({ bsonType: "array", items: [{ bsonType: "string" }], minItems: 1, additionalItems: { bsonType: "bool" } });
    expect(toMongoJsonSchema(z.discriminatedUnion("kind", [z.object({ kind: z.literal("a") }), z.object({ kind: z.literal("b") })]))).toEqual({
      oneOf: [
        { bsonType: "object", properties: { kind: { bsonType: "string", enum: ["a"] } }, required: ["kind"] },
        { bsonType: "object", properties: { kind: { bsonType: "string", enum: ["b"] } }, required: ["kind"] },
      ],
    });
  });

  it("leaves no keyword MongoDB refuses anywhere in a schema using every construct", () => {
    const schema = z.looseObject({
      _id: t.objectId(), email: z.email(), site: z.url(), id: z.uuid(), at: t.date().default(() => new Date()),
      tags: z.array(z.string().regex(/^[\w-]+$/)).max(3), meta: z.record(z.string(), z.unknown()), pair: z.tuple([z.string()], z.int()),
      nested: z.strictObject({ deep: z.object({ n: z.number().gt(0).nullable() }).optional() }),
      either: z.union([z.literal("x"), z.number().int()]), kind: z.discriminatedUnion("k", [z.object({ k: z.literal(1) }), z.object({ k: z.literal(2) })]),
    });

    const keywords = collectKeywords(toMongoJsonSchema(schema));

    for (const refused of ["type", "const", "format", "default", "$schema", "$ref", "$defs", "propertyNames", "prefixItems", "examples", "contentEncoding"]) {
      expect(keywords.has(refused), refused).toBe(false);
    }
  });
});

/** Every keyword used at any depth (property names under `properties` are not keywords). */
function collectKeywords(schema: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(schema)) schema.forEach((item) => collectKeywords(item, into));
  if (typeof schema !== "object" || schema === null || Array.isArray(schema)) return into;
  for (const [key, value] of Object.entries(schema)) {
    into.add(key);
    if (key === "exclusiveMinimum" || key === "exclusiveMaximum") expect(value).toBe(true);
    if (key === "properties" || key === "patternProperties") Object.values(value as object).forEach((sub) => collectKeywords(sub, into));
    else if (key !== "enum") collectKeywords(value, into);
  }
  return into;
}

describe("pcreCompatible", () => {
  it.each([
    ["^\\+?[\\d\\s-()]+$", "^\\+?[\\d\\s()-]+$"],
    ["[^\\s-x]", "[^\\sx-]"],
    ["[a-\\d]", "[a\\d-]"],
    ["[\\d-a-z]", "[\\daz-]"],
    ["[\\]\\d-x]", "[\\]\\dx-]"],
    ["[\\s--a]", "[\\sa-]"],
    ["[\\d-x--/]", "[\\dx\\--/-]"],
    ["[-^-\\Da]", "[\\^\\Da-]"],
  ])("moves a hyphen next to a class escape to the end: %s", (pattern, expected) => {
    expect(pcreCompatible(pattern)).toBe(expected);
  });

  it.each(["[a-z-]", "[\\w-]", "[-\\w]", "[a-f0-9]", "\\[\\d-x\\]", "^[\\w.+-]+@x\\.com$", "[^-a]", "a-\\d"])("leaves %s as written", (pattern) => {
    expect(pcreCompatible(pattern)).toBe(pattern);
  });

  it("gives a class the strict (`u` mode) parser accepts, matching the characters JavaScript matched", () => {
    // JavaScript's `u` mode refuses a class escape at either end of a range, as PCRE2 does.
    const atom = fc.constantFrom("a", "z", "0", "9", "-", "-", "/", "^", "_", "(", ".", "\\d", "\\s", "\\w", "\\D", "\\-", "\\]");
    const cls = fc.tuple(fc.boolean(), fc.array(atom, { minLength: 1, maxLength: 6 })).map(([negated, atoms]) => `[${negated ? "^" : ""}${atoms.join("")}]`);
    const characters = Array.from({ length: 128 }, (_, c) => String.fromCharCode(c)).concat(["\u00a0", "é", "\u2028"]);

    fc.assert(fc.property(cls, (pattern) => {
      const original = compiles(pattern, "");
      fc.pre(original !== undefined);

      const rewritten = compiles(pcreCompatible(pattern), "u");

      expect(rewritten, pcreCompatible(pattern)).toBeDefined();
      for (const c of characters) expect(rewritten!.test(c), `${pattern} on ${JSON.stringify(c)}`).toBe(original!.test(c));
    }), { numRuns: 500 });
  });
});

function compiles(pattern: string, flags: string): RegExp | undefined {
  try {
    return new RegExp(`^${pattern}$`, flags);
  } catch {
    return undefined;
  }
}

describe("a definition's validator", () => {
  const users = defineCollection({
    system: "ai-calling",
    name: "users",
    fields: (t) => ({
      _id: t.objectId(),
      exotelConfig: z.object({ apiToken: z.string().min(32), sid: z.string() }).optional(),
      backup: z.object({ token: z.string().max(8).nullable() }).nullable(),
      apiKeys: z.array(z.object({ key: z.string().startsWith("sk-"), label: z.string() })),
      createdAt: t.date(),
      updatedAt: t.date(),
    }),
    encrypted: ["exotelConfig.apiToken", "backup.token", "apiKeys.key"],
  });
  const ciphertext = { bsonType: "string", pattern: "^enc:v1:" };
  const { $jsonSchema: schema } = users.validator() as { $jsonSchema: any };

  it("holds ciphertext at an encrypted path instead of the plaintext's rules", () => {
    expect(schema.properties.exotelConfig.properties).toEqual({ apiToken: ciphertext, sid: { bsonType: "string" } });
  });

  it("admits any string at an encrypted path when the definition lets plaintext in", () => {
    const legacy = defineCollection({
      system: "ai-calling", name: "legacy_users",
      fields: () => ({ exotelConfig: z.object({ apiToken: z.string().min(32) }).optional() }),
      encrypted: ["exotelConfig.apiToken"], encryptedAdmitsPlaintext: true, timestamps: false,
    });

    const { $jsonSchema } = legacy.validator() as { $jsonSchema: any };

    expect($jsonSchema.properties.exotelConfig.properties.apiToken).toEqual({ bsonType: "string" });
  });

  it("reaches encrypted fields in arrays of subdocuments and nullable subdocuments, keeping null allowed", () => {
    expect(schema.properties.apiKeys.items.properties.key).toEqual(ciphertext);
    expect(schema.properties.backup.anyOf[0].properties.token).toEqual({ bsonType: ["string", "null"], pattern: "^enc:v1:" });
  });
});
