/**
 * The `$jsonSchema` emitted for each zod construct the definitions use is accepted by the server
 * and judges documents as zod does: for generated documents (near-valid ones and arbitrary
 * values of every BSON type the platform writes), the insert succeeds exactly when
 * `safeParse` succeeds, and fails with 121 otherwise.
 *
 * What the driver cannot send faithfully is left out of the generators on purpose:
 * - `undefined` reaches the server as null (see the last test), so "absent" is generated as a
 *   missing key, never as an undefined one;
 * - an invalid Date is written as the epoch, and a lone surrogate as U+FFFD;
 * - field names starting with `$` or holding NUL are refused by the server whatever the validator;
 * - Long, Decimal128 and bigint are never written by the platform (JavaScript numbers only).
 * -0, NaN, ±Infinity and integers beyond int32 (sent as doubles) are sent faithfully and are
 * generated (`fc.double()` produces them).
 */
import fc from "fast-check";
import { MongoServerError, ObjectId, type Collection, type Document } from "mongodb";
import { describe, expect, it } from "vitest";
import * as z from "zod";
import { database } from "#core/db/client.ts";
import { defineCollection } from "#core/db/collection.ts";
import { encryptPaths } from "#core/db/encryption.ts";
import { FIELD_TYPES } from "#core/db/field-types.ts";
import { toMongoJsonSchema } from "#core/db/mongo-json-schema.ts";

const t = FIELD_TYPES.stored;
let seq = 0;

const objectId = fc.uint8Array({ minLength: 12, maxLength: 12 }).map((bytes) => new ObjectId(Buffer.from(bytes)));
/** Field names the server stores as given (no leading `$`, no NUL), overlapping the schemas' own. */
const shortKey = fc.constantFrom("a", "b", "n", "city", "kind", "x.y", "émoji😀");
/** Strings of BMP characters other than surrogates: one UTF-16 unit and one code point each. */
const bmpString = (maxLength: number) =>
  fc.string({ unit: fc.integer({ min: 0, max: 0xfffd }).filter((c) => c < 0xd800 || c > 0xdfff).map((c) => String.fromCharCode(c)), maxLength });
/**
 * Doubles both sides judge alike. MongoDB's `multipleOf` (so also the `multipleOf: 1` of integers)
 * first rounds a double to 15 significant digits, where zod divides and allows a few ulps: they
 * part ways on a double that is not a multiple but rounds to one (1.4999999999999951 is 1.5 for
 * MongoDB, 2 ** 52 + 0.5 is whole), on tiny values (5e-324 is a multiple of 0.25 for zod, not for
 * MongoDB) and where zod's quotient overflows (4.5e307 / 0.25 is Infinity). Doubles disputed so
 * for a divisor of 1/4 or 1 (those of the tests below) are left out.
 */
const disputed = (x: number): boolean => {
  if (!Number.isFinite(x)) return false;
  if (Math.abs(x) > Number.MAX_VALUE / 4) return true;
  if (Number.isInteger(x)) return false;
  const rounded = Number(x.toPrecision(15));
  return Math.abs(x) < 1e-9 || (rounded !== x && Number.isInteger(rounded * 4));
};
const double = fc.double().filter((x) => !disputed(x));
const scalar = fc.oneof(
  fc.string({ unit: "binary", maxLength: 6 }), fc.integer(), double, fc.boolean(), fc.constant(null),
  fc.date({ noInvalidDate: true }), objectId,
);
const anything = fc.oneof(scalar, fc.array(scalar, { maxLength: 3 }), fc.dictionary(shortKey, scalar, { maxKeys: 3 }));
/** Mostly `arbitrary`, sometimes any scalar. */
const often = (arbitrary: fc.Arbitrary<unknown>) => fc.oneof({ arbitrary, weight: 4 }, scalar);
/** Mostly near-valid values of a construct, the rest anything at all. */
const values = (nearValid: fc.Arbitrary<unknown>) => fc.oneof({ arbitrary: nearValid, weight: 3 }, { arbitrary: anything, weight: 1 });
/** Documents holding the value under test as `v`, or lacking it. */
const docs = (value: fc.Arbitrary<unknown>): fc.Arbitrary<Document> =>
  fc.oneof({ arbitrary: fc.record({ v: value }), weight: 9 }, { arbitrary: fc.constant({}), weight: 1 });

async function validated(schema: z.ZodType): Promise<Collection<Document>> {
  return database("car-sales").createCollection(`c${++seq}`, { validator: { $jsonSchema: toMongoJsonSchema(schema) } });
}

async function inserts(collection: Collection<Document>, doc: Document): Promise<boolean> {
  try {
    await collection.insertOne({ ...doc });
    return true;
  } catch (error) {
    if (error instanceof MongoServerError && error.code === 121) return false;
    throw error;
  }
}

/**
 * Inserts each generated document and compares with zod: `exact` requires the same verdict,
 * `sound` only that the server takes whatever zod accepts (for rules JSON Schema cannot state).
 * Both verdicts must occur, so a property cannot pass by testing one side only.
 */
async function expectVerdicts(schema: z.ZodType, arbitrary: fc.Arbitrary<Document>, mode: "exact" | "sound" = "exact", numRuns = 80): Promise<void> {
  const collection = await validated(schema);
  const seen = { accepted: 0, rejected: 0 };
  await fc.assert(fc.asyncProperty(arbitrary, async (doc) => {
    const zodAccepts = schema.safeParse(doc).success;
    const serverAccepts = await inserts(collection, doc);
    seen[zodAccepts ? "accepted" : "rejected"]++;
    if (mode === "exact" || zodAccepts) expect(serverAccepts, `zod ${zodAccepts ? "accepts" : "rejects"} ${fc.stringify(doc)}`).toBe(zodAccepts);
  }), { numRuns });
  expect(seen.accepted, "documents zod accepts").toBeGreaterThan(0);
  expect(seen.rejected, "documents zod rejects").toBeGreaterThan(0);
}

const field = (schema: z.ZodType) => z.looseObject({ v: schema });

describe("strings", () => {
  it("min and max length, counted in code points by both", async () => {
    const strings = fc.oneof(bmpString(7), fc.string({ unit: fc.constantFrom("a", "é", "😀", "𝄞"), minLength: 2, maxLength: 6 }), fc.string({ minLength: 3, maxLength: 3 }));
    await expectVerdicts(field(z.string().min(2).max(5)), docs(values(strings)));
    await expectVerdicts(field(z.string().length(3)), docs(values(strings)));
  });

  it("regex, including the Car Sales phone pattern PCRE needs rewritten", async () => {
    // ASCII whitespace and no line breaks: on a real server PCRE's `\s` may be ASCII-only and its
    // `$` also matches before a final "\n", where JavaScript's do not (the stand-in is JavaScript).
    const phoneChars = fc.string({ unit: fc.constantFrom("1", "5", "9", " ", "\t", "-", "(", ")"), maxLength: 8 });
    const phoneish = fc.tuple(fc.constantFrom("", "+", "x", "++"), phoneChars, fc.constantFrom("", "", "", ".", "a")).map((parts) => parts.join(""));
    await expectVerdicts(field(z.string().regex(/^\+?[\d\s-()]+$/)), docs(values(phoneish)));
    const unit = fc.constantFrom("a", "b", "1", "_");
    const word = fc.oneof({ arbitrary: fc.string({ unit, minLength: 1, maxLength: 4 }), weight: 4 }, fc.string({ unit, maxLength: 1 }));
    const separator = fc.constantFrom("", "", ".", "-", "..", "@");
    const tld = fc.constantFrom(".co", ".com", ".co.uk", ".c", ".info", "-co", "");
    const emailish = fc.tuple(word, separator, word, word, tld).map(([user, sep, more, domain, end]) => `${user}${sep}${more}@${domain}${end}`);
    await expectVerdicts(field(z.string().regex(/^\w+([.-]?\w+)*@\w+([.-]?\w+)*(\.\w{2,3})+$/)), docs(values(emailish)));
  });

  it("regex flags and several patterns at once", async () => {
    const words = fc.string({ unit: fc.constantFrom("a", "B", "z", "Q", "-", "1"), maxLength: 6 });
    await expectVerdicts(field(z.string().regex(/^[a-z-]+$/i).regex(/^[^1]/)), docs(values(words)));
  });

  it("z.email()", async () => {
    const emails = fc.oneof(fc.emailAddress({ size: "xsmall" }), fc.string({ unit: fc.constantFrom("a", "Z", "9", ".", "-", "+", "'", "@", "_"), maxLength: 12 }));
    await expectVerdicts(field(z.email()), docs(values(emails)));
  });

  it("z.url() (its format has no $jsonSchema form, so the server checks only the type)", async () => {
    await expectVerdicts(field(z.url()), docs(values(fc.oneof(fc.webUrl(), fc.string({ maxLength: 8 })))), "sound");
  });

  it("z.enum with a default, and z.literal", async () => {
    const roles = fc.constantFrom("admin", "manager", "salesperson", "Admin", "");
    await expectVerdicts(field(z.enum(["admin", "manager", "salesperson"]).default("salesperson")), docs(values(roles)));
    await expectVerdicts(field(z.literal("exotel")), docs(values(fc.constantFrom("exotel", "twilio"))));
    // zod's Set lookup and the server's numeric equality both take -0 for 0.
    await expectVerdicts(field(z.literal(0)), docs(values(fc.constantFrom(0, -0, 0.5, "0", false))));
  });
});

describe("numbers", () => {
  const decimals = fc.tuple(fc.integer({ min: -1_000, max: 1_000 }), fc.integer({ min: 0, max: 7 })).map(([n, eighths]) => n + eighths / 8);
  const edges = fc.constantFrom(0, -0, 1, 5, 100, 2 ** 31, 2 ** 53 - 1, 2 ** 53, -(2 ** 53), 1e300, Number.MAX_VALUE, Number.MIN_VALUE, NaN, Infinity, -Infinity);
  const nearBounds = fc.oneof(fc.integer({ min: -2, max: 12 }), fc.double({ min: -1, max: 11 }).filter((x) => !disputed(x)));
  const numbers = fc.oneof(double, fc.integer(), decimals, edges, nearBounds, nearBounds);

  it("min/max and gt/lt bounds, refusing NaN and ±Infinity as zod does", async () => {
    await expectVerdicts(field(z.number()), docs(values(numbers)));
    await expectVerdicts(field(z.number().min(0).max(100)), docs(values(numbers)));
    await expectVerdicts(field(z.number().gt(0).lt(10)), docs(values(numbers)));
    await expectVerdicts(field(z.number().positive()), docs(values(numbers)));
  });

  it("int, with bounds, and past int32 (sent as doubles) up to the safe-integer limit", async () => {
    await expectVerdicts(field(z.number().int()), docs(values(numbers)));
    await expectVerdicts(field(z.number().int().min(1).max(5)), docs(values(fc.oneof(fc.integer({ min: 0, max: 6 }), numbers))));
  });

  it("multipleOf", async () => {
    const quarters = fc.oneof(decimals, decimals.map((n) => n + 0.1), fc.constantFrom(NaN, Infinity, 0.3, 1e-3));
    await expectVerdicts(field(z.number().multipleOf(0.25)), docs(values(quarters)));
  });
});

describe("other scalars", () => {
  it("boolean, date and ObjectId", async () => {
    await expectVerdicts(field(z.boolean()), docs(values(fc.boolean())));
    await expectVerdicts(field(t.date()), docs(values(fc.date({ noInvalidDate: true }))));
    await expectVerdicts(field(t.objectId()), docs(values(fc.oneof(objectId, objectId.map((id) => id.toHexString())))));
  });
});

describe("arrays and tuples", () => {
  it("min/max items with element rules", async () => {
    const items = fc.array(often(bmpString(4)), { maxLength: 5 });
    await expectVerdicts(field(z.array(z.string().max(3)).min(1).max(4)), docs(values(items)));
    await expectVerdicts(field(z.array(t.objectId())), docs(values(fc.array(fc.oneof(objectId, scalar), { maxLength: 3 }))));
  });

  it("tuples, fixed and with a rest element", async () => {
    const head = fc.tuple(often(fc.string({ maxLength: 2 })), often(fc.integer()));
    const items = fc.tuple(head, fc.array(often(fc.integer()), { maxLength: 2 }), fc.nat(3))
      .map(([[first, second], rest, cut]) => [first, second, ...rest].slice(0, cut === 0 ? 1 : undefined));
    await expectVerdicts(field(z.tuple([z.string(), z.number()])), docs(values(items)));
    await expectVerdicts(field(z.tuple([z.string()], z.number())), docs(values(items)));
  });
});

describe("objects", () => {
  const known = fc.record({ city: often(fc.string({ maxLength: 3 })), zip: often(fc.stringMatching(/^\d{4,6}$/)) }, { requiredKeys: [] });
  const address = fc.oneof({ arbitrary: known, weight: 3 }, fc.tuple(known, shortKey, scalar).map(([doc, key, value]) => ({ ...doc, [key]: value })));

  it("nested objects: stripping, strict and loose", async () => {
    const shape = { city: z.string(), zip: z.string().regex(/^\d{5}$/).optional() };
    await expectVerdicts(field(z.object(shape)), docs(values(address)));
    await expectVerdicts(field(z.strictObject(shape)), docs(values(address)));
    await expectVerdicts(field(z.looseObject(shape)), docs(values(address)));
  });

  it("a strict document, _id included", async () => {
    const schema = z.strictObject({ _id: t.objectId(), name: z.string().min(1), age: z.number().int().min(0).optional() });
    const known = fc.record({ _id: objectId, name: fc.oneof({ arbitrary: bmpString(3), weight: 3 }, scalar), age: fc.oneof(fc.integer({ min: -1, max: 3 }), scalar) }, { requiredKeys: ["_id"] });
    const withExtra = fc.tuple(known, shortKey, scalar).map(([doc, key, value]) => ({ ...doc, [key]: value }));
    await expectVerdicts(schema, fc.oneof({ arbitrary: known, weight: 3 }, withExtra));
  });

  it("optional, nullable, nullish and default, null and absence told apart", async () => {
    const schema = z.looseObject({
      a: z.string().optional(),
      b: z.string().min(2).nullable(),
      c: z.number().default(3),
      d: z.enum(["x", "y"]).nullable().optional(),
      e: z.object({ n: z.number() }).nullable(),
      f: t.date().nullable().default(null),
    });
    const or = (nearValid: fc.Arbitrary<unknown>) => fc.oneof({ arbitrary: nearValid, weight: 6 }, { arbitrary: fc.constant(null), weight: 1 }, { arbitrary: scalar, weight: 1 });
    const doc = fc.record({
      a: or(fc.string({ maxLength: 2 })),
      b: or(fc.constantFrom("ab", "a")),
      c: or(fc.integer()),
      d: or(fc.constantFrom("x", "y", "z")),
      e: or(fc.record({ n: fc.oneof(fc.integer(), fc.string({ maxLength: 1 })) })),
      f: or(fc.date({ noInvalidDate: true })),
    }, { requiredKeys: [] });
    await expectVerdicts(schema, doc, "exact", 120);
  });

  it("z.record of string keys", async () => {
    const entries = fc.dictionary(shortKey, fc.oneof(fc.integer({ min: -3, max: 3 }), double, scalar), { maxKeys: 3 });
    await expectVerdicts(field(z.record(z.string(), z.number().min(0))), docs(values(entries)));
  });

  it("z.unknown (Mongoose Mixed) takes any present value", async () => {
    await expectVerdicts(field(z.unknown()), docs(anything));
  });
});

describe("unions", () => {
  it("z.union of scalars and of objects", async () => {
    await expectVerdicts(field(z.union([z.string().min(2), z.number().int()])), docs(values(fc.oneof(bmpString(3), fc.string({ unit: "binary", maxLength: 3 }), fc.integer(), double))));
    const objects = z.union([z.object({ email: z.string() }), z.object({ phone: z.number() })]);
    const candidate = fc.record({ email: fc.oneof(fc.string({ maxLength: 2 }), scalar), phone: fc.oneof(fc.integer(), scalar) }, { requiredKeys: [] });
    await expectVerdicts(field(objects), docs(values(candidate)));
  });

  it("z.discriminatedUnion", async () => {
    const schema = z.discriminatedUnion("kind", [
      z.object({ kind: z.literal("call"), duration: z.number().min(0) }),
      z.object({ kind: z.literal("sms"), body: z.string().max(4) }),
    ]);
    const candidate = fc.record({ kind: fc.constantFrom("call", "sms", "email"), duration: fc.oneof(fc.integer({ min: -2, max: 5 }), scalar), body: fc.oneof(bmpString(6), scalar) }, { requiredKeys: ["kind"] });
    await expectVerdicts(field(schema), docs(values(candidate)));
  });
});

it("a definition's validator takes ciphertext at encrypted paths (nested, nullable, in arrays) and refuses plaintext", async () => {
  const users = defineCollection({
    system: "automedia",
    name: "users",
    fields: (t) => ({
      _id: t.objectId(),
      exotelConfig: z.object({ apiToken: z.string().regex(/^[a-f0-9]{32}$/), sid: z.string() }).optional(),
      platform: z.object({ accessToken: z.string().max(10).nullable() }).nullable(),
      settings: z.object({ apiKeys: z.array(z.object({ provider: z.string(), key: z.string().startsWith("sk-") })) }),
      createdAt: t.date(),
      updatedAt: t.date(),
    }),
    encrypted: ["exotelConfig.apiToken", "platform.accessToken", "settings.apiKeys.key"],
  });
  const collection = await database("automedia").createCollection(`c${++seq}`, { validator: users.validator() });
  const plain = {
    exotelConfig: { apiToken: "0123456789abcdef0123456789abcdef", sid: "acme" },
    platform: { accessToken: "tok" },
    settings: { apiKeys: [{ provider: "openai", key: "sk-1" }, { provider: "x", key: "sk-2" }] },
    createdAt: new Date(),
    updatedAt: new Date(),
  };
  const stored = encryptPaths(plain, users.encrypted!, "automedia.users");

  const candidates = [
    stored,
    { ...stored, platform: { accessToken: null } },
    plain,
    { ...stored, platform: { accessToken: "tok" } },
    { ...stored, settings: { apiKeys: [{ provider: "x", key: "sk-plain" }] } },
  ];

  const verdicts = [];
  for (const doc of candidates) verdicts.push(await inserts(collection, doc));

  expect(verdicts).toEqual([true, true, false, false, false]);
});

it("an undefined optional field is left out by the platform's client, so the validator accepts it", async () => {
  // The platform's MongoClient sets ignoreUndefined: the driver would otherwise send null.
  const schema = field(z.string().optional());
  const collection = await validated(schema);

  const accepted = await inserts(collection, { v: undefined });

  expect(schema.safeParse({ v: undefined }).success).toBe(true);
  expect(accepted).toBe(true);
});
