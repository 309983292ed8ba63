/**
 * zod -> MongoDB `$jsonSchema`. zod writes JSON Schema (draft 2020-12); MongoDB speaks its own
 * draft-4 dialect: `bsonType` instead of `type` (no `integer`), `objectId`/`date` types, boolean
 * `exclusiveMinimum`, `enum` instead of `const`, and no `format`, `$ref`, `default`,
 * `propertyNames` or `$schema`. Regular expressions must also compile in PCRE, where a hyphen
 * after a class escape (`[\d\s-()]`) is an error, not a literal.
 *
 * The emitted schema must never refuse a document zod accepts (that write would fail with 121):
 * regex flags, which zod's JSON Schema drops, become inline modifiers. Nor may it accept what zod
 * refuses: numbers get finite bounds, because zod refuses NaN and ±Infinity, which BSON doubles
 * carry. (String lengths need nothing: zod and MongoDB both count code points.)
 */
import * as z from "zod";
import { bsonTypes } from "./field-types.ts";

type Json = Record<string, unknown>;

const TYPE_TO_BSON: Record<string, string | string[]> = {
  string: "string",
  number: "number",
  // Integers above int32 reach MongoDB as doubles (JavaScript numbers); `multipleOf: 1` keeps them whole.
  integer: ["int", "long", "double"],
  boolean: "bool",
  object: "object",
  array: "array",
  null: "null",
};

const DROPPED = new Set(["$schema", "$id", "$defs", "definitions", "default", "format", "propertyNames", "examples", "contentEncoding", "contentMediaType", "readOnly", "writeOnly", "$comment", "id"]);
const SCHEMA_VALUED = new Set(["items", "additionalProperties", "additionalItems", "not"]);
const SCHEMA_LISTS = new Set(["anyOf", "oneOf", "allOf"]);

/** The `$jsonSchema` MongoDB accepts for a zod schema of stored documents. */
export function toMongoJsonSchema(schema: z.ZodType): Json {
  const json = z.toJSONSchema(schema, {
    io: "input",
    unrepresentable: "any",
    reused: "inline",
    cycles: "throw",
    override: ({ zodSchema, jsonSchema }) => {
      const bson = bsonTypes.get(zodSchema as unknown as z.ZodType);
      if (!bson) return keepRegexFlags(zodSchema as unknown as z.ZodType, jsonSchema as Json);
      for (const key of Object.keys(jsonSchema)) delete (jsonSchema as Json)[key];
      (jsonSchema as Json).bsonType = bson.bsonType;
    },
  }) as Json;
  return convert(json);
}

function convert(schema: Json): Json {
  const out: Json = {};
  for (const [key, value] of Object.entries(schema)) {
    if (DROPPED.has(key)) continue;
    if (key === "type") out.bsonType = bsonTypeOf(value);
    else if (key === "const") out.enum = [value];
    else if (key === "pattern") out.pattern = pcreCompatible(String(value));
    else if (key === "exclusiveMinimum" && typeof value === "number") Object.assign(out, { minimum: value, exclusiveMinimum: true });
    else if (key === "exclusiveMaximum" && typeof value === "number") Object.assign(out, { maximum: value, exclusiveMaximum: true });
    else if (key === "prefixItems") out.items = (value as Json[]).map(convert);
    else if (key === "properties" || key === "patternProperties") out[key] = Object.fromEntries(Object.entries(value as Record<string, Json>).map(([name, sub]) => [name, convert(sub)]));
    else if (SCHEMA_LISTS.has(key)) out[key] = (value as Json[]).map(convert);
    else if (SCHEMA_VALUED.has(key)) out[key] = typeof value === "object" && value !== null ? convert(value as Json) : value;
    else out[key] = value;
  }
  if (schema.type === "integer" && out.multipleOf === undefined) out.multipleOf = 1;
  if (isNumeric(schema.type) && out.enum === undefined) {
    out.minimum ??= -Number.MAX_VALUE;
    out.maximum ??= Number.MAX_VALUE;
  }
  // `additionalProperties: {}` allows anything, which is MongoDB's default anyway.
  if (isEmptyObject(out.additionalProperties)) delete out.additionalProperties;
  // zod writes `items` after `prefixItems` to mean the rest; draft 4 calls that `additionalItems`.
  if (Array.isArray(schema.prefixItems) && schema.items !== undefined) {
    out.items = (schema.prefixItems as Json[]).map(convert);
    out.additionalItems = typeof schema.items === "object" ? convert(schema.items as Json) : schema.items;
  }
  return out;
}

function bsonTypeOf(type: unknown): string | string[] {
  const types = (Array.isArray(type) ? type : [type]).flatMap((t) => TYPE_TO_BSON[String(t)] ?? String(t));
  const unique = [...new Set(types)];
  return unique.length === 1 ? unique[0] : unique;
}

const isNumeric = (type: unknown): boolean =>
  (Array.isArray(type) ? type : [type]).some((t) => t === "number" || t === "integer");

/**
 * zod writes a regex's source without its flags; `i`, `m` and `s` become an inline modifier group
 * (`(?i:…)`, which PCRE and JavaScript both read). `u` changes nothing PCRE does not already do
 * (it matches in UTF-8), and `g`/`y`/`d` do not change what matches; any other flag is refused.
 */
function keepRegexFlags(schema: z.ZodType, json: Json): void {
  const def = schema._zod.def as { checks?: z.core.$ZodCheck[] };
  const checks = [schema, ...(def.checks ?? [])] as unknown as { _zod: { def: { pattern?: unknown } } }[];
  for (const check of checks) {
    const regex = check._zod.def.pattern;
    if (!(regex instanceof RegExp)) continue;
    const flags = regex.flags.replace(/[gyud]/g, "");
    if (flags === "") continue;
    if (/[^ims]/.test(flags)) throw new Error(`The regex /${regex.source}/${regex.flags} has a flag MongoDB cannot apply`);
    const flagged = `(?${flags}:${regex.source})`;
    if (json.pattern === regex.source) json.pattern = flagged;
    for (const sub of (json.allOf as Json[] | undefined) ?? []) if (sub.pattern === regex.source) sub.pattern = flagged;
  }
}

const isEmptyObject = (value: unknown): boolean =>
  typeof value === "object" && value !== null && !Array.isArray(value) && Object.keys(value).length === 0;

/**
 * Rewrites character classes so PCRE reads them as JavaScript does: a `-` next to a class escape
 * (`\d`, `\s`, `\w`…), which JavaScript takes literally and PCRE2 refuses as a range, is moved to
 * the end of the class, where both engines take it literally. `^\+?[\d\s-()]+$` becomes
 * `^\+?[\d\s()-]+$`.
 */
export function pcreCompatible(pattern: string): string {
  let result = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "\\") {
      result += pattern.slice(i, i + 2);
      i++;
      continue;
    }
    if (c !== "[") {
      result += c;
      continue;
    }
    const end = classEnd(pattern, i);
    if (end < 0) return result + pattern.slice(i);
    result += rewriteClass(pattern.slice(i, end + 1));
    i = end;
  }
  return result;
}

function classEnd(pattern: string, start: number): number {
  let i = start + 1;
  if (pattern[i] === "^") i++;
  if (pattern[i] === "]") i++;
  for (; i < pattern.length; i++) {
    if (pattern[i] === "\\") i++;
    else if (pattern[i] === "]") return i;
  }
  return -1;
}

const CLASS_ESCAPE = /^\\[dDsSwW]$/;

/**
 * Outside `u` mode JavaScript reads `\d-x` (or `x-\d`) in a class as `\d`, `-` and `x`, where
 * PCRE2 refuses the range. In a class holding such a hyphen, every literal hyphen goes to the end;
 * other classes are left as written.
 */
function rewriteClass(cls: string): string {
  const negated = cls[1] === "^";
  const body = cls.slice(negated ? 2 : 1, -1);
  const tokens: string[] = [];
  for (let i = 0; i < body.length; i++) tokens.push(body[i] === "\\" ? body.slice(i, ++i + 1) : body[i]);
  const kept: string[] = [];
  let ambiguous = false;
  for (let i = 0; i < tokens.length; i++) {
    const [from, dash, to] = [tokens[i], tokens[i + 1], tokens[i + 2]];
    if (dash === "-" && to !== undefined) {
      const escaped = CLASS_ESCAPE.test(from) || CLASS_ESCAPE.test(to);
      ambiguous ||= escaped;
      // A real range ending in a hyphen (`--/`) is spelled `\-` so nothing before it can take it.
      if (escaped) kept.push(...[from, to].filter((atom) => atom !== "-"));
      else kept.push(...[from, dash, to].map((atom, k) => (k !== 1 && atom === "-" ? "\\-" : atom)));
      i += 2;
    } else if (from !== "-") kept.push(from);
  }
  if (!ambiguous) return cls;
  // A literal `^` that now comes first must not read as a negation.
  if (kept[0] === "^") kept[0] = "\\^";
  return `[${negated ? "^" : ""}${kept.join("")}-]`;
}
