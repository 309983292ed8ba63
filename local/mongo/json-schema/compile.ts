/**
 * Parses a $jsonSchema document the way MongoDB's JSONSchemaParser does: keywords are checked
 * in the server's order (so the first error reported is the server's first error), with its
 * codes and messages.
 *
 * A schema is compiled for a position: the root schema (and allOf/anyOf/oneOf/not/dependency
 * schemas beside it) applies to the stored document itself, where the server drops scalar and
 * array keywords and turns a non-object `type` into "matches nothing"; every other schema
 * applies to one value inside it.
 */
import { BSON_TYPE_NUMBERS, bsonTypeOf, isNumeric, isPlainObject, toNumber } from "../bson-values.ts";
import { badValue, failedToParse, typeMismatch } from "../errors.ts";
import {
  byUtf8,
  type Decimal,
  nonNegativeInteger,
  toDecimal,
  unorderedEqual,
} from "./values.ts";
import { compilePattern } from "../query/regex.ts";

export interface TypeSet { allNumbers: boolean; types: ReadonlySet<string> }
export interface TypeRule { keyword: "type" | "bsonType"; spec: unknown; set: TypeSet }
export interface LimitRule { keyword: string; spec: unknown; limit: number }
export interface BoundRule { keyword: "minimum" | "maximum"; bound: unknown; exclusive: boolean; specifiedAs: Record<string, unknown> }
export interface PatternSchema { source: string; regex: RegExp; schema: Schema }
export type Dependency =
  | { name: string; kind: "properties"; names: string[] }
  | { name: string; kind: "schema"; schema: Schema };

export interface Schema {
  raw: Record<string, unknown>;
  top: boolean;
  /** `title` and `description`, which the server copies into error details. */
  annotations: Record<string, unknown>;
  /** A root schema whose type excludes "object": the server compiles it to AlwaysFalse. */
  alwaysFalse: boolean;
  type?: TypeRule;
  pattern?: { source: string; regex: RegExp };
  maxLength?: LimitRule;
  minLength?: LimitRule;
  multipleOf?: { spec: unknown; divisor: Decimal };
  maximum?: BoundRule;
  minimum?: BoundRule;
  minItems?: LimitRule;
  maxItems?: LimitRule;
  uniqueItems?: boolean;
  items?: Schema | Schema[];
  additionalItems?: { spec: boolean | Record<string, unknown>; schema?: Schema };
  properties?: Array<{ name: string; schema: Schema }>;
  allowed?: { names: ReadonlySet<string>; patterns: PatternSchema[]; additional: boolean | Schema | undefined };
  required?: { spec: unknown; names: ReadonlySet<string>; sorted: string[] };
  minProperties?: LimitRule;
  maxProperties?: LimitRule;
  dependencies?: { annotations: Record<string, unknown>; entries: Dependency[] };
  allOf?: Schema[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  not?: Schema;
  enum?: { spec: unknown; values: unknown[]; rootCandidates: Record<string, unknown>[] };
}

const KEYWORDS = new Set([
  "additionalItems", "additionalProperties", "allOf", "anyOf", "bsonType", "dependencies",
  "description", "encrypt", "encryptMetadata", "enum", "exclusiveMaximum", "exclusiveMinimum",
  "items", "maxItems", "maxLength", "maxProperties", "maximum", "minItems", "minLength",
  "minProperties", "minimum", "multipleOf", "not", "oneOf", "pattern", "patternProperties",
  "properties", "required", "title", "type", "uniqueItems",
]);
const UNSUPPORTED = new Set(["$ref", "$schema", "default", "definitions", "format", "id"]);

const JSON_TYPE_ALIASES: Record<string, string> = {
  array: "array", boolean: "bool", null: "null", object: "object", string: "string",
};
const BSON_TYPE_ALIASES: Record<string, string> = Object.fromEntries(
  Object.keys(BSON_TYPE_NUMBERS).map((name) => [name, name]),
);

const typeOf = (value: unknown): string => bsonTypeOf(value);

export const isSingleType = (set: TypeSet): boolean =>
  set.allNumbers ? set.types.size === 0 : set.types.size === 1;

export function compileSchema(raw: Record<string, unknown>, top: boolean): Schema {
  const has = (key: string): boolean => raw[key] !== undefined;
  for (const key of Object.keys(raw)) {
    if (!has(key) || KEYWORDS.has(key)) continue;
    if (UNSUPPORTED.has(key)) throw failedToParse(`$jsonSchema keyword '${key}' is not currently supported`);
    throw failedToParse(`Unknown $jsonSchema keyword: ${key}`);
  }
  const annotations: Record<string, unknown> = {};
  for (const key of Object.keys(raw)) {
    if (key !== "title" && key !== "description") continue;
    if (typeof raw[key] !== "string") throw typeMismatch(`$jsonSchema keyword '${key}' must be of type string`);
    annotations[key] = raw[key];
  }
  if (has("type") && has("bsonType")) {
    throw failedToParse("Cannot specify both $jsonSchema keywords 'type' and 'bsonType'");
  }
  for (const key of ["encrypt", "encryptMetadata"]) {
    if (has(key)) throw failedToParse(`$jsonSchema keyword '${key}' is not supported by this MongoDB stand-in`);
  }

  const schema: Schema = { raw, top, annotations, alwaysFalse: false };
  if (has("type")) schema.type = parseTypeRule("type", raw.type, JSON_TYPE_ALIASES);
  else if (has("bsonType")) schema.type = parseTypeRule("bsonType", raw.bsonType, BSON_TYPE_ALIASES);

  parseScalarKeywords(schema);
  parseArrayKeywords(schema);
  parseObjectKeywords(schema);
  parseLogicalKeywords(schema);

  schema.alwaysFalse = top && schema.type !== undefined && !schema.type.set.types.has("object");
  return schema;
}

/** JSONSchemaParser::parseTypeSet followed by MatcherTypeSet::fromStringAliases. */
function parseTypeRule(keyword: "type" | "bsonType", spec: unknown, aliases: Record<string, string>): TypeRule {
  if (typeof spec !== "string" && !Array.isArray(spec)) {
    throw typeMismatch(`$jsonSchema keyword '${keyword}' must be either a string or an array of strings`);
  }
  const integerUnsupported = () => failedToParse("$jsonSchema type 'integer' is not currently supported.");
  const names: string[] = [];
  if (typeof spec === "string") {
    if (spec === "integer") throw integerUnsupported();
    names.push(spec);
  } else {
    for (const name of spec) {
      if (typeof name !== "string") throw typeMismatch(`$jsonSchema keyword '${keyword}' array elements must be strings`);
      if (name === "integer") throw integerUnsupported();
      if (names.includes(name)) throw failedToParse(`$jsonSchema keyword '${keyword}' has duplicate value: ${name}`);
      names.push(name);
    }
  }
  let allNumbers = false;
  const types = new Set<string>();
  // The server resolves aliases from an ordered set, so the first bad alias is the smallest.
  for (const name of [...names].sort(byUtf8)) {
    if (name === "number") allNumbers = true;
    else if (Object.hasOwn(aliases, name)) types.add(aliases[name]);
    else if (name === "missing") {
      throw badValue("'missing' is not a legal type name. To query for non-existence of a field, use {$exists:false}.");
    } else throw badValue(`Unknown type name alias: ${name}`);
  }
  if (!allNumbers && types.size === 0) throw failedToParse(`$jsonSchema keyword '${keyword}' must name at least one type`);
  return { keyword, spec, set: { allNumbers, types } };
}

const limit = (raw: Record<string, unknown>, keyword: string): LimitRule | undefined =>
  raw[keyword] === undefined ? undefined : { keyword, spec: raw[keyword], limit: nonNegativeInteger(keyword, raw[keyword]) };

function parseScalarKeywords(schema: Schema): void {
  const { raw } = schema;
  if (raw.pattern !== undefined) {
    if (typeof raw.pattern !== "string") throw typeMismatch("$jsonSchema keyword 'pattern' must be a string");
    // The server only builds the regex where it can apply; a root-level pattern is never compiled.
    schema.pattern = { source: raw.pattern, regex: schema.top ? /(?:)/ : compilePattern(raw.pattern) };
  }
  schema.maxLength = limit(raw, "maxLength");
  schema.minLength = limit(raw, "minLength");
  if (raw.multipleOf !== undefined) {
    if (!isNumeric(raw.multipleOf)) throw typeMismatch("$jsonSchema keyword 'multipleOf' must be a number");
    const n = toNumber(raw.multipleOf);
    if (n <= 0) throw failedToParse("$jsonSchema keyword 'multipleOf' must have a positive value");
    const divisor = toDecimal(raw.multipleOf) ?? { coefficient: 0n, exponent: 0 };
    schema.multipleOf = { spec: raw.multipleOf, divisor };
  }
  schema.maximum = parseBound(raw, "maximum", "exclusiveMaximum");
  schema.minimum = parseBound(raw, "minimum", "exclusiveMinimum");
}

function parseBound(
  raw: Record<string, unknown>,
  keyword: "minimum" | "maximum",
  exclusiveKeyword: "exclusiveMinimum" | "exclusiveMaximum",
): BoundRule | undefined {
  const exclusiveSpec = raw[exclusiveKeyword];
  if (raw[keyword] === undefined) {
    if (exclusiveSpec !== undefined) {
      throw failedToParse(`$jsonSchema keyword '${keyword}' must be a present if ${exclusiveKeyword} is present`);
    }
    return undefined;
  }
  if (exclusiveSpec !== undefined && typeof exclusiveSpec !== "boolean") {
    throw typeMismatch(`$jsonSchema keyword '${exclusiveKeyword}' must be a boolean`);
  }
  if (!isNumeric(raw[keyword])) throw typeMismatch(`$jsonSchema keyword '${keyword}' must be a number`);
  const exclusive = exclusiveSpec === true;
  const specifiedAs: Record<string, unknown> = { [keyword]: raw[keyword] };
  if (exclusive) specifiedAs[exclusiveKeyword] = true;
  return { keyword, bound: raw[keyword], exclusive, specifiedAs };
}

function parseArrayKeywords(schema: Schema): void {
  const { raw } = schema;
  schema.minItems = limit(raw, "minItems");
  schema.maxItems = limit(raw, "maxItems");
  if (raw.uniqueItems !== undefined) {
    if (typeof raw.uniqueItems !== "boolean") throw typeMismatch("$jsonSchema keyword 'uniqueItems' must be a boolean");
    schema.uniqueItems = raw.uniqueItems;
  }
  if (raw.items !== undefined) {
    if (Array.isArray(raw.items)) {
      schema.items = raw.items.map((item) => {
        if (!isPlainObject(item)) {
          throw typeMismatch(
            `$jsonSchema keyword 'items' requires that each element of the array is an object, but found a ${typeOf(item)}`,
          );
        }
        return compileSchema(item, false);
      });
    } else if (isPlainObject(raw.items)) {
      schema.items = compileSchema(raw.items, false);
    } else {
      throw typeMismatch(`$jsonSchema keyword 'items' must be an array or an object, not ${typeOf(raw.items)}`);
    }
  }
  const additional = raw.additionalItems;
  if (additional !== undefined) {
    if (typeof additional === "boolean") schema.additionalItems = { spec: additional };
    else if (isPlainObject(additional)) schema.additionalItems = { spec: additional, schema: compileSchema(additional, false) };
    else {
      throw typeMismatch(
        `$jsonSchema keyword 'additionalItems' must be either an object or a boolean, but got a ${typeOf(additional)}`,
      );
    }
  }
}

function parseObjectKeywords(schema: Schema): void {
  const { raw } = schema;
  const required = raw.required === undefined ? undefined : parseRequired(raw.required);
  if (required) schema.required = { spec: raw.required, names: new Set(required), sorted: [...required].sort(byUtf8) };

  if (raw.properties !== undefined) {
    if (!isPlainObject(raw.properties)) throw typeMismatch("$jsonSchema keyword 'properties' must be an object");
    schema.properties = Object.entries(raw.properties)
      .filter(([, sub]) => sub !== undefined)
      .map(([name, sub]) => {
        if (!isPlainObject(sub)) throw typeMismatch(`Nested schema for $jsonSchema property '${name}' must be an object`);
        return { name, schema: compileSchema(sub, false) };
      });
  }

  if (raw.patternProperties !== undefined || raw.additionalProperties !== undefined) {
    const patterns: PatternSchema[] = [];
    if (raw.patternProperties !== undefined) {
      if (!isPlainObject(raw.patternProperties)) {
        throw typeMismatch("$jsonSchema keyword 'patternProperties' must be an object");
      }
      for (const [source, sub] of Object.entries(raw.patternProperties)) {
        if (sub === undefined) continue;
        if (!isPlainObject(sub)) {
          throw typeMismatch(`$jsonSchema keyword 'patternProperties' has property '${source}' which is not an object`);
        }
        patterns.push({ source, schema: compileSchema(sub, false), regex: compilePattern(source) });
      }
    }
    let additional: boolean | Schema | undefined;
    const spec = raw.additionalProperties;
    if (typeof spec === "boolean") additional = spec;
    else if (isPlainObject(spec)) additional = compileSchema(spec, false);
    else if (spec !== undefined) {
      throw typeMismatch("$jsonSchema keyword 'additionalProperties' must be an object or a boolean");
    }
    const names = new Set((schema.properties ?? []).map((p) => p.name));
    schema.allowed = { names, patterns, additional };
  }

  schema.minProperties = limit(raw, "minProperties");
  schema.maxProperties = limit(raw, "maxProperties");
  if (raw.dependencies !== undefined) schema.dependencies = parseDependencies(raw.dependencies, schema.top);
}

function parseRequired(spec: unknown): string[] {
  if (!Array.isArray(spec)) {
    throw typeMismatch(`$jsonSchema keyword 'required' must be an array, but found an element of type ${typeOf(spec)}`);
  }
  const names: string[] = [];
  for (const name of spec) {
    if (typeof name !== "string") {
      throw typeMismatch(
        `$jsonSchema keyword 'required' must be an array of strings, but found an element of type: ${typeOf(name)}`,
      );
    }
    if (names.includes(name)) throw failedToParse("$jsonSchema keyword 'required' array cannot contain duplicate values");
    names.push(name);
  }
  if (names.length === 0) throw failedToParse("$jsonSchema keyword 'required' cannot be an empty array");
  return names;
}

function parseDependencies(spec: unknown, top: boolean): NonNullable<Schema["dependencies"]> {
  if (!isPlainObject(spec)) throw typeMismatch("$jsonSchema keyword 'dependencies' must be an object");
  const annotations: Record<string, unknown> = {};
  const entries: Dependency[] = [];
  for (const [name, dependency] of Object.entries(spec)) {
    if (dependency === undefined) continue;
    if (isPlainObject(dependency)) {
      entries.push({ name, kind: "schema", schema: compileSchema(dependency, top) });
    } else if (Array.isArray(dependency)) {
      entries.push({ name, kind: "properties", names: parsePropertyDependency(name, dependency) });
    } else if (typeof dependency === "string" && (name === "title" || name === "description")) {
      // The server lets schema annotations sit among the dependencies and reports them.
      annotations[name] = dependency;
    } else {
      throw typeMismatch(`property '${name}' in $jsonSchema keyword 'dependencies' must be either an object or an array`);
    }
  }
  return { annotations, entries };
}

function parsePropertyDependency(name: string, dependency: unknown[]): string[] {
  if (dependency.length === 0) {
    throw failedToParse(`property '${name}' in $jsonSchema keyword 'dependencies' cannot be an empty array`);
  }
  const names: string[] = [];
  for (const item of dependency) {
    if (typeof item !== "string") {
      throw typeMismatch(
        `array '${name}' in $jsonSchema keyword 'dependencies' can only contain strings, but found element of type: ${typeOf(item)}`,
      );
    }
    if (names.includes(item)) {
      throw failedToParse(`array '${name}' in $jsonSchema keyword 'dependencies' contains duplicate element: ${item}`);
    }
    names.push(item);
  }
  return names;
}

function parseLogicalKeywords(schema: Schema): void {
  const { raw, top } = schema;
  for (const keyword of ["allOf", "anyOf", "oneOf"] as const) {
    const spec = raw[keyword];
    if (spec === undefined) continue;
    if (!Array.isArray(spec)) throw typeMismatch(`$jsonSchema keyword '${keyword}' must be an array`);
    if (spec.length === 0) throw badValue(`$jsonSchema keyword '${keyword}' must be a non-empty array`);
    schema[keyword] = spec.map((sub) => {
      if (!isPlainObject(sub)) {
        throw typeMismatch(
          `$jsonSchema keyword '${keyword}' must be an array of objects, but found an element of type ${typeOf(sub)}`,
        );
      }
      return compileSchema(sub, top);
    });
  }
  if (raw.not !== undefined) {
    if (!isPlainObject(raw.not)) {
      throw typeMismatch(`$jsonSchema keyword 'not' must be an object, but found an element of type ${typeOf(raw.not)}`);
    }
    schema.not = compileSchema(raw.not, top);
  }
  if (raw.enum !== undefined) {
    const values = raw.enum;
    if (!Array.isArray(values)) {
      throw typeMismatch(`$jsonSchema keyword 'enum' must be an array, but found an element of type ${typeOf(values)}`);
    }
    if (values.length === 0) throw failedToParse("$jsonSchema keyword 'enum' cannot be an empty array");
    values.forEach((value, i) => {
      if (values.slice(0, i).some((earlier) => unorderedEqual(earlier, value))) {
        throw failedToParse("$jsonSchema keyword 'enum' array cannot contain duplicate values.");
      }
    });
    // At the root only whole-document candidates can match: documents are always objects.
    const rootCandidates = values.filter((value): value is Record<string, unknown> => isPlainObject(value));
    schema.enum = { spec: values, values, rootCandidates };
  }
}
