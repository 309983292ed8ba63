/**
 * Evaluates a compiled schema and, for a failing value, builds the error details MongoDB's
 * doc_validation_error walker would produce.
 *
 * The server evaluates a schema as an AND of clauses in a fixed order (scalar, array, object,
 * logical keywords, then the type) and reports every failing clause in that order, so one
 * function serves both purposes: with `out` it records each failing clause's details, without
 * it it stops at the first failure.
 *
 * A keyword that only concerns one type (minimum for numbers, minItems for arrays, ...) holds
 * for values of other types, and never applies when the schema states a single other type
 * (the server's makeRestriction). A missing value fails only `type` and `enum`, and produces
 * no details: `required` is what reports it.
 */
import { type BsonTypeName, bsonTypeOf, isNumeric, isPlainObject } from "../bson-values.ts";
import { isSingleType, type Schema, type TypeSet } from "./compile.ts";
import {
  codePointLength,
  type Detail,
  fieldOf,
  firstDuplicate,
  isMultipleOf,
  numericComparison,
  presentKeys,
  unorderedEqual,
} from "./values.ts";

type Kind = "number" | "string" | "array" | "object";

/** null: the clause holds. An array (empty unless details were asked for): it fails. */
type Clause = (schema: Schema, value: unknown, explain: boolean) => Detail[] | null;

export const matchesSchema = (schema: Schema, value: unknown): boolean => run(schema, value, null);

/** The details of a failing schema: an array of clause errors, or one object for AlwaysFalse. */
export function explainSchema(schema: Schema, value: unknown): Detail[] | Detail {
  if (schema.alwaysFalse) {
    return { operatorName: "$jsonSchema", specifiedAs: { $jsonSchema: schema.raw }, reason: "expression always evaluates to false" };
  }
  const out: Detail[] = [];
  run(schema, value, out);
  return out;
}

function run(schema: Schema, value: unknown, out: Detail[] | null): boolean {
  if (schema.alwaysFalse) return false;
  let ok = true;
  for (const clause of schema.top ? ROOT_CLAUSES : VALUE_CLAUSES) {
    const failure = clause(schema, value, out !== null);
    if (failure === null) continue;
    if (out === null) return false;
    ok = false;
    out.push(...failure);
  }
  return ok;
}

const inKind = (kind: Kind, type: BsonTypeName | string): boolean =>
  kind === "number" ? type === "int" || type === "long" || type === "double" || type === "decimal" : type === kind;

function applies(schema: Schema, kind: Kind, value: unknown): boolean {
  if (value === undefined) return false;
  const stated = schema.type?.set;
  if (stated && isSingleType(stated) && !inKind(kind, stated.allNumbers ? "int" : [...stated.types][0])) return false;
  return inKind(kind, bsonTypeOf(value));
}

const typeMatches = (set: TypeSet, value: unknown): boolean =>
  set.types.has(bsonTypeOf(value)) || (set.allNumbers && isNumeric(value));

/** The object the object keywords look at: the document itself at the root. */
function objectFor(schema: Schema, value: unknown): Record<string, unknown> | undefined {
  if (schema.top) return value as Record<string, unknown>;
  return applies(schema, "object", value) ? (value as Record<string, unknown>) : undefined;
}

const leaf = (operatorName: string, specifiedAs: unknown, reason: string, value: unknown, extra: Detail = {}): Detail[] => [
  { operatorName, specifiedAs, reason, consideredValue: value, ...extra },
];

const pattern: Clause = (s, v) =>
  s.pattern && applies(s, "string", v) && !s.pattern.regex.test(v as string)
    ? leaf("pattern", { pattern: s.pattern.source }, "regular expression did not match", v)
    : null;

const stringLength = (key: "maxLength" | "minLength"): Clause => (s, v) => {
  const rule = s[key];
  if (!rule || !applies(s, "string", v)) return null;
  const length = codePointLength(v as string);
  if (key === "maxLength" ? length <= rule.limit : length >= rule.limit) return null;
  return leaf(key, { [key]: rule.spec }, "specified string length was not satisfied", v);
};

const multipleOf: Clause = (s, v) =>
  s.multipleOf && applies(s, "number", v) && !isMultipleOf(v, s.multipleOf.divisor)
    ? leaf("multipleOf", { multipleOf: s.multipleOf.spec }, "considered value is not a multiple of the specified value", v)
    : null;

const bound = (key: "maximum" | "minimum"): Clause => (s, v) => {
  const rule = s[key];
  if (!rule || !applies(s, "number", v)) return null;
  const op = key === "maximum" ? (rule.exclusive ? "lt" : "lte") : rule.exclusive ? "gt" : "gte";
  return numericComparison(v, rule.bound, op) ? null : leaf(key, rule.specifiedAs, "comparison failed", v);
};

const itemCount = (key: "minItems" | "maxItems"): Clause => (s, v) => {
  const rule = s[key];
  if (!rule || !applies(s, "array", v)) return null;
  const n = (v as unknown[]).length;
  if (key === "maxItems" ? n <= rule.limit : n >= rule.limit) return null;
  return leaf(key, { [key]: rule.spec }, "array did not match specified length", v, { numberOfItems: n });
};

const uniqueItems: Clause = (s, v) => {
  if (s.uniqueItems !== true || !applies(s, "array", v)) return null;
  const duplicate = firstDuplicate(v as unknown[]);
  if (!duplicate.found) return null;
  return leaf("uniqueItems", { uniqueItems: true }, "found a duplicate item", v, { duplicatedValue: duplicate.value });
};

/** One subschema applied to every element from `start`: `items: {}` and `additionalItems: {}`. */
function eachItem(operatorName: string, reason: string, sub: Schema, items: unknown[], start: number, explain: boolean): Detail[] | null {
  const index = items.findIndex((item, i) => i >= start && !matchesSchema(sub, item));
  if (index < 0) return null;
  if (!explain) return [];
  return [{ operatorName, ...sub.annotations, reason, itemIndex: index, details: explainSchema(sub, items[index]) }];
}

const items: Clause = (s, v, explain) => {
  if (!s.items || !applies(s, "array", v)) return null;
  const array = v as unknown[];
  if (!Array.isArray(s.items)) {
    return eachItem("items", "At least one item did not match the sub-schema", s.items, array, 0, explain);
  }
  const failing = s.items
    .map((sub, i) => ({ sub, i }))
    .filter(({ sub, i }) => i < array.length && !matchesSchema(sub, array[i]));
  if (failing.length === 0) return null;
  if (!explain) return [];
  return [{ operatorName: "items", details: failing.map(({ sub, i }) => ({ itemIndex: i, details: explainSchema(sub, array[i]) })) }];
};

const additionalItems: Clause = (s, v, explain) => {
  const rule = s.additionalItems;
  if (!rule || !Array.isArray(s.items) || !applies(s, "array", v)) return null;
  const array = v as unknown[];
  const start = s.items.length;
  if (rule.schema) {
    return eachItem("additionalItems", "At least one additional item did not match the sub-schema", rule.schema, array, start, explain);
  }
  if (rule.spec === true || array.length <= start) return null;
  return [{
    operatorName: "additionalItems",
    specifiedAs: { additionalItems: false },
    reason: "found additional items",
    additionalItems: array.slice(start),
  }];
};

const properties: Clause = (s, v, explain) => {
  const doc = s.properties && objectFor(s, v);
  if (!doc) return null;
  let failed = false;
  const notSatisfied: Detail[] = [];
  for (const { name, schema } of s.properties!) {
    const value = fieldOf(doc, name);
    if (value === undefined && !s.required?.names.has(name)) continue;
    if (matchesSchema(schema, value)) continue;
    failed = true;
    if (!explain) break;
    const details = explainSchema(schema, value);
    // A property that fails only by being absent is left to `required` to report.
    if (Array.isArray(details) && details.length === 0) continue;
    notSatisfied.push({ propertyName: name, ...schema.annotations, details });
  }
  if (!failed) return null;
  return notSatisfied.length ? [{ operatorName: "properties", propertiesNotSatisfied: notSatisfied }] : [];
};

/** patternProperties and additionalProperties, which the server evaluates as one expression. */
const allowedProperties: Clause = (s, v, explain) => {
  const doc = s.allowed && objectFor(s, v);
  if (!doc) return null;
  const { names, patterns, additional } = s.allowed!;
  const keys = presentKeys(doc);
  const failsAdditional = (key: string): boolean =>
    additional === false || (typeof additional === "object" && !matchesSchema(additional, doc[key]));
  const failed = keys.some((key) => {
    const matching = patterns.filter((p) => p.regex.test(key));
    if (matching.some((p) => !matchesSchema(p.schema, doc[key]))) return true;
    return !names.has(key) && matching.length === 0 && failsAdditional(key);
  });
  if (!failed) return null;
  if (!explain) return [];

  const out: Detail[] = [];
  const extra = keys.filter((key) => !names.has(key) && !patterns.some((p) => p.regex.test(key)));
  if (additional === false && extra.length > 0) {
    out.push({ operatorName: "additionalProperties", specifiedAs: { additionalProperties: false }, additionalProperties: extra });
  } else if (typeof additional === "object") {
    const key = extra.find(failsAdditional);
    if (key !== undefined) {
      out.push({
        operatorName: "additionalProperties",
        ...additional.annotations,
        reason: "at least one additional property did not match the subschema",
        failingProperty: key,
        details: explainSchema(additional, doc[key]),
      });
    }
  }
  // Each pattern reports only the first property that matches it and fails its schema.
  const patternErrors: Detail[] = [];
  for (const p of patterns) {
    const key = keys.find((k) => p.regex.test(k) && !matchesSchema(p.schema, doc[k]));
    if (key === undefined) continue;
    patternErrors.push({ propertyName: key, ...p.schema.annotations, regexMatched: p.source, details: explainSchema(p.schema, doc[key]) });
  }
  if (patternErrors.length) out.push({ operatorName: "patternProperties", details: patternErrors });
  return out;
};

const required: Clause = (s, v) => {
  const doc = s.required && objectFor(s, v);
  if (!doc) return null;
  const missing = s.required!.sorted.filter((name) => fieldOf(doc, name) === undefined);
  if (missing.length === 0) return null;
  return [{ operatorName: "required", specifiedAs: { required: s.required!.spec }, missingProperties: missing }];
};

const propertyCount = (key: "minProperties" | "maxProperties"): Clause => (s, v) => {
  const rule = s[key];
  const doc = rule && objectFor(s, v);
  if (!doc) return null;
  const n = presentKeys(doc).length;
  if (key === "maxProperties" ? n <= rule!.limit : n >= rule!.limit) return null;
  return [{
    operatorName: key,
    specifiedAs: { [key]: rule!.spec },
    reason: "specified number of properties was not satisfied",
    numberOfProperties: n,
  }];
};

/** Unlike the other object keywords, dependencies are not bounded by a stated type. */
const dependencies: Clause = (s, v, explain) => {
  if (!s.dependencies || !isPlainObject(v)) return null;
  const failing: Detail[] = [];
  for (const dependency of s.dependencies.entries) {
    if (fieldOf(v, dependency.name) === undefined) continue;
    if (dependency.kind === "properties") {
      const missing = dependency.names.filter((name) => fieldOf(v, name) === undefined);
      if (missing.length === 0) continue;
      failing.push({ conditionalProperty: dependency.name, missingProperties: missing });
    } else {
      if (matchesSchema(dependency.schema, v)) continue;
      if (!explain) return [];
      failing.push({ conditionalProperty: dependency.name, details: explainSchema(dependency.schema, v) });
    }
    if (!explain) return [];
  }
  if (failing.length === 0) return null;
  return [{ operatorName: "dependencies", ...s.dependencies.annotations, failingDependencies: failing }];
};

const schemaEntry = (sub: Schema, index: number, v: unknown): Detail => ({ index, ...sub.annotations, details: explainSchema(sub, v) });

const allOf: Clause = (s, v, explain) => {
  if (!s.allOf) return null;
  const failing = s.allOf.map((sub, index) => ({ sub, index })).filter(({ sub }) => !matchesSchema(sub, v));
  if (failing.length === 0) return null;
  if (!explain) return [];
  return [{ operatorName: "allOf", schemasNotSatisfied: failing.map(({ sub, index }) => schemaEntry(sub, index, v)) }];
};

const anyOf: Clause = (s, v, explain) => {
  if (!s.anyOf || s.anyOf.some((sub) => matchesSchema(sub, v))) return null;
  if (!explain) return [];
  return [{ operatorName: "anyOf", schemasNotSatisfied: s.anyOf.map((sub, index) => schemaEntry(sub, index, v)) }];
};

const oneOf: Clause = (s, v, explain) => {
  if (!s.oneOf) return null;
  const matching = s.oneOf.flatMap((sub, index) => (matchesSchema(sub, v) ? [index] : []));
  if (matching.length === 1) return null;
  if (!explain) return [];
  if (matching.length > 1) {
    return [{ operatorName: "oneOf", reason: "more than one subschema matched", matchingSchemaIndexes: matching }];
  }
  return [{ operatorName: "oneOf", schemasNotSatisfied: s.oneOf.map((sub, index) => schemaEntry(sub, index, v)) }];
};

/** The server explains a `not` without saying why its subschema matched. */
const not: Clause = (s, v) =>
  s.not && matchesSchema(s.not, v) ? [{ operatorName: "not", reason: "child expression matched" }] : null;

const enumClause: Clause = (s, v) => {
  const rule = s.enum;
  if (!rule) return null;
  const specifiedAs = { enum: rule.spec };
  if (s.top && rule.rootCandidates.length === 0) {
    return [{ operatorName: "enum", specifiedAs, reason: "expression always evaluates to false" }];
  }
  const candidates = s.top ? rule.rootCandidates : rule.values;
  if (v !== undefined && candidates.some((candidate) => unorderedEqual(candidate, v))) return null;
  return v === undefined ? [] : leaf("enum", specifiedAs, "value was not found in enum", v);
};

const type: Clause = (s, v) => {
  const rule = s.type;
  if (!rule || (v !== undefined && typeMatches(rule.set, v))) return null;
  if (v === undefined) return [];
  return leaf(rule.keyword, { [rule.keyword]: rule.spec }, "type did not match", v, { consideredType: bsonTypeOf(v) });
};

const OBJECT_AND_LOGICAL: Clause[] = [
  properties, allowedProperties, required, propertyCount("minProperties"), propertyCount("maxProperties"),
  dependencies, allOf, anyOf, oneOf, not, enumClause,
];

/** At the root, scalar and array keywords are no-ops and `type` was settled at compile time. */
const ROOT_CLAUSES: Clause[] = OBJECT_AND_LOGICAL;

const VALUE_CLAUSES: Clause[] = [
  pattern, stringLength("maxLength"), stringLength("minLength"), multipleOf, bound("maximum"), bound("minimum"),
  itemCount("minItems"), itemCount("maxItems"), uniqueItems, items, additionalItems,
  ...OBJECT_AND_LOGICAL,
  type,
];
