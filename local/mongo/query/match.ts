/**
 * The query matcher: a filter document compiled to a predicate, with MongoDB's semantics for
 * arrays (any element may match), null (matches missing), type bracketing (`$gt: 5` never
 * matches a string) and BSON ordering. `$expr` is evaluated by mingo.
 */
import { BSON_TYPE_NUMBERS, bsonTypeOf, canonicalOrder, compareValues, isNumeric, isPlainObject, regexParts, toNumber } from "../bson-values.ts";
import type { StringComparer } from "../bson-values.ts";
import { CommandError, ErrorCodes, badValue } from "../errors.ts";
import { stringComparerFor, type Collation } from "./collation.ts";
import { evaluateExpression } from "./mingo-context.ts";
import { compileNear, NEAR_OPERATORS, nearNotAllowed } from "./geo.ts";
import { compileGeoIntersects, compileGeoWithin } from "./geo-within.ts";
import { checkPlacement } from "./planned-operators.ts";
import { compilePattern } from "./regex.ts";
import { compileText, type TextIndexes } from "./text.ts";
import { valuesAtPath, type Doc } from "./paths.ts";

export interface QueryOptions {
  collation?: Collation;
  variables?: Record<string, unknown>;
  /** Compiles a `$jsonSchema` clause; injected so the matcher does not depend on the validator. */
  jsonSchema?: (schema: Doc) => (doc: Doc) => boolean;
  /**
   * The collection a planned read or write (find, count, distinct, update, delete) runs on. Only
   * there may `$near` (ordered by the planner) and `$text` (matched through its text index) appear.
   */
  planned?: { readonly indexes: { values(): TextIndexes } };
}

export type Predicate = (doc: Doc) => boolean;
type ValuesPredicate = (values: unknown[]) => boolean;

interface Compiler {
  strings?: StringComparer;
  options: QueryOptions;
}

export function compileFilter(filter: Doc, options: QueryOptions = {}): Predicate {
  if (!isPlainObject(filter)) throw badValue("query filter must be an object");
  if (options.planned) checkPlacement(filter);
  return compileDocument(filter, { strings: stringComparerFor(options.collation), options });
}

function compileDocument(filter: Doc, compiler: Compiler): Predicate {
  const clauses: Predicate[] = [];
  for (const [key, condition] of Object.entries(filter)) {
    if (key.startsWith("$")) clauses.push(compileTopLevel(key, condition, compiler));
    else clauses.push(compileField(key, condition, compiler));
  }
  if (clauses.length === 1) return clauses[0];
  return (doc) => clauses.every((clause) => clause(doc));
}

function compileTopLevel(operator: string, argument: unknown, compiler: Compiler): Predicate {
  switch (operator) {
    case "$and":
    case "$or":
    case "$nor": {
      if (!Array.isArray(argument) || argument.length === 0) throw badValue(`${operator} must be a nonempty array`);
      const parts = argument.map((clause) => {
        if (!isPlainObject(clause)) throw badValue(`$or/$and/$nor entries need to be full objects`);
        return compileDocument(clause, compiler);
      });
      if (operator === "$and") return (doc) => parts.every((p) => p(doc));
      if (operator === "$or") return (doc) => parts.some((p) => p(doc));
      return (doc) => !parts.some((p) => p(doc));
    }
    case "$expr": {
      const { variables, collation } = compiler.options;
      return (doc) => isTruthy(evaluateExpression(doc, argument, { variables, collation }));
    }
    case "$jsonSchema": {
      if (!isPlainObject(argument)) throw failedToParse("$jsonSchema must be an object");
      if (!compiler.options.jsonSchema) throw badValue("$jsonSchema is not allowed in this context");
      return compiler.options.jsonSchema(argument);
    }
    case "$comment": return () => true;
    case "$alwaysTrue": return () => true;
    case "$alwaysFalse": return () => false;
    case "$where": throw badValue("no globalScriptEngine in $where parsing");
    case "$text": return compileText(argument, compiler.options.planned?.indexes.values());
  }
  throw badValue(
    `unknown top level operator: ${operator}. If you have a field name that starts with a '$' symbol, consider using $getField or $setField.`,
  );
}

const failedToParse = (message: string) => new CommandError(ErrorCodes.FailedToParse, message);

/** Inside `$elemMatch` and `$not`, where neither `$text` nor `$near` may appear. */
const unplanned = (compiler: Compiler): Compiler => (compiler.options.planned ? { ...compiler, options: { ...compiler.options, planned: undefined } } : compiler);

/** Aggregation truthiness: false, null, missing and zero are false; everything else is true. */
export const isTruthy = (value: unknown): boolean =>
  !(value === false || value === null || value === undefined || (isNumeric(value) && toNumber(value) === 0));

const isOperatorObject = (value: unknown): value is Doc => {
  if (!isPlainObject(value)) return false;
  const keys = Object.keys(value);
  return keys.length > 0 && keys[0].startsWith("$");
};

const isRegex = (value: unknown): boolean => bsonTypeOf(value) === "regex";

function compileField(path: string, condition: unknown, compiler: Compiler): Predicate {
  if (path === "") throw badValue("the empty string is not a valid field name");
  const test = isOperatorObject(condition)
    ? compileOperators(condition, compiler, path)
    : isRegex(condition)
      ? regexTest(toRegExp(condition))
      : equalityTest(condition, compiler);
  return (doc) => test(valuesAtPath(doc, path));
}

function compileOperators(operators: Doc, compiler: Compiler, path: string): ValuesPredicate {
  if (NEAR_OPERATORS.some((operator) => operator in operators)) {
    if (!compiler.options.planned) throw nearNotAllowed();
    return compileNear(operators);
  }
  const tests: ValuesPredicate[] = [];
  for (const [operator, argument] of Object.entries(operators)) {
    if (operator === "$options") {
      if (!("$regex" in operators)) throw badValue("$options needs a $regex");
      continue;
    }
    if (!operator.startsWith("$")) throw badValue(`unknown operator: ${operator}`);
    tests.push(compileOperator(operator, argument, operators, compiler, path));
  }
  return (values) => tests.every((test) => test(values));
}

/** Values an operator sees: each value, and the elements of each array value. */
function expand(values: unknown[]): unknown[] {
  if (!values.some(Array.isArray)) return values;
  const out: unknown[] = [];
  for (const value of values) {
    out.push(value);
    if (Array.isArray(value)) out.push(...value);
  }
  return out;
}

function equalityTest(expected: unknown, compiler: Compiler): ValuesPredicate {
  if (expected === null || expected === undefined) {
    return (values) => expand(values).some((v) => v === null || v === undefined);
  }
  return (values) => expand(values).some((v) => v !== undefined && compareValues(v, expected, compiler.strings) === 0);
}

function rangeTest(expected: unknown, compiler: Compiler, accept: (order: number) => boolean): ValuesPredicate {
  const expectedType = bsonTypeOf(expected);
  const unbracketed = expectedType === "minKey" || expectedType === "maxKey";
  const bracket = canonicalOrder(expected);
  return (values) =>
    expand(values).some((value) => {
      const v = value === undefined ? null : value;
      if (!unbracketed && canonicalOrder(v) !== bracket) return false;
      return accept(compareValues(v, expected, compiler.strings));
    });
}

function inTest(list: unknown, compiler: Compiler, operator: string): ValuesPredicate {
  if (!Array.isArray(list)) throw badValue(`${operator} needs an array`);
  const tests = list.map((item) => {
    if (isOperatorObject(item)) throw badValue(`cannot nest $ under ${operator}`);
    return isRegex(item) ? regexTest(toRegExp(item)) : equalityTest(item, compiler);
  });
  return (values) => tests.some((test) => test(values));
}

function toRegExp(value: unknown, options?: unknown): RegExp {
  const { source, flags } = regexParts(value);
  const allFlags = `${flags}${typeof options === "string" ? options : ""}`;
  // MongoDB (PCRE) flags i, m, s, x; JS has no x, so extended mode strips whitespace and comments.
  let pattern = source;
  if (allFlags.includes("x")) pattern = pattern.replace(/\\#/g, "\u0000").replace(/#.*$/gm, "").replace(/\s+/g, "").replace(/\u0000/g, "\\#");
  const jsFlags = [...new Set(allFlags.split("").filter((f) => "ims".includes(f)))].join("");
  return compilePattern(pattern, jsFlags);
}

function regexTest(regex: RegExp): ValuesPredicate {
  return (values) =>
    expand(values).some((v) => {
      if (typeof v === "string") return regex.test(v);
      if (bsonTypeOf(v) === "symbol") return regex.test(String((v as { value: string }).value));
      if (isRegex(v)) {
        const { source, flags } = regexParts(v);
        return source === regex.source && flags === regex.flags.replace("u", "");
      }
      return false;
    });
}

function typeTest(argument: unknown): ValuesPredicate {
  const aliases = (Array.isArray(argument) ? argument : [argument]).map((t) => {
    if (typeof t === "string") {
      if (t !== "number" && !(t in BSON_TYPE_NUMBERS)) throw badValue(`Unknown type name alias: ${t}`);
      return t;
    }
    if (isNumeric(t)) {
      const name = Object.entries(BSON_TYPE_NUMBERS).find(([, n]) => n === toNumber(t))?.[0];
      if (!name) throw badValue(`Invalid numerical type code: ${toNumber(t)}`);
      return name;
    }
    throw badValue("type must be represented as a number or a string");
  });
  const matchesType = (v: unknown) => {
    const type = bsonTypeOf(v);
    return aliases.includes(type) || (aliases.includes("number") && isNumeric(v));
  };
  return (values) => expand(values).some((v) => v !== undefined && matchesType(v));
}

function elemMatchTest(argument: unknown, outer: Compiler, path: string): ValuesPredicate {
  if (!isPlainObject(argument)) throw badValue("$elemMatch needs an Object");
  const compiler = unplanned(outer);
  const keys = Object.keys(argument);
  const isValueQuery = keys.length > 0 && keys.every((k) => k.startsWith("$") && !["$and", "$or", "$nor", "$expr", "$where", "$text", "$comment"].includes(k));
  const element: (v: unknown) => boolean = isValueQuery
    ? ((test) => (v: unknown) => test([v]))(compileOperators(argument, compiler, path))
    : ((test) => (v: unknown) => isPlainObject(v) && test(v))(compileDocument(argument, compiler));
  return (values) => values.some((v) => Array.isArray(v) && v.some(element));
}

function bitsTest(argument: unknown, accept: (value: bigint, mask: bigint) => boolean): ValuesPredicate {
  let mask: bigint;
  if (Array.isArray(argument)) mask = argument.reduce((m: bigint, bit) => m | (1n << BigInt(toNumber(bit))), 0n);
  else if (isNumeric(argument) && Number.isInteger(toNumber(argument)) && toNumber(argument) >= 0) mask = BigInt(toNumber(argument));
  else throw badValue("bit positions must be an integer or an array of bit positions");
  return (values) =>
    expand(values).some((v) => isNumeric(v) && Number.isInteger(toNumber(v)) && accept(BigInt.asUintN(64, BigInt(toNumber(v))), mask));
}

function compileOperator(operator: string, argument: unknown, siblings: Doc, compiler: Compiler, path: string): ValuesPredicate {
  switch (operator) {
    case "$eq": return equalityTest(argument, compiler);
    case "$ne": {
      const eq = equalityTest(argument, compiler);
      return (values) => !eq(values);
    }
    case "$gt": return rangeTest(argument, compiler, (o) => o > 0);
    case "$gte": return rangeTest(argument, compiler, (o) => o >= 0);
    case "$lt": return rangeTest(argument, compiler, (o) => o < 0);
    case "$lte": return rangeTest(argument, compiler, (o) => o <= 0);
    case "$in": return inTest(argument, compiler, "$in");
    case "$nin": {
      const test = inTest(argument, compiler, "$nin");
      return (values) => !test(values);
    }
    case "$exists": {
      const wanted = isTruthy(argument);
      return (values) => values.some((v) => v !== undefined) === wanted;
    }
    case "$type": return typeTest(argument);
    case "$size": {
      if (!isNumeric(argument) || !Number.isInteger(toNumber(argument))) throw badValue("$size needs a number");
      const size = toNumber(argument);
      if (size < 0) throw badValue("$size may not be negative");
      return (values) => values.some((v) => Array.isArray(v) && v.length === size);
    }
    case "$all": {
      if (!Array.isArray(argument)) throw badValue("$all needs an array");
      const tests = argument.map((item) =>
        isPlainObject(item) && "$elemMatch" in item
          ? elemMatchTest(item.$elemMatch, compiler, path)
          : isRegex(item) ? regexTest(toRegExp(item)) : equalityTest(item, compiler));
      return (values) => tests.length > 0 && tests.every((test) => test(values));
    }
    case "$elemMatch": return elemMatchTest(argument, compiler, path);
    case "$regex": {
      if (typeof argument !== "string" && !isRegex(argument)) throw badValue("$regex has to be a string");
      const pattern = typeof argument === "string" ? { pattern: argument, options: "" } : argument;
      return regexTest(toRegExp(pattern, siblings.$options));
    }
    case "$not": {
      if (isRegex(argument)) {
        const test = regexTest(toRegExp(argument));
        return (values) => !test(values);
      }
      if (!isOperatorObject(argument)) throw badValue("$not needs a regex or a document");
      const test = compileOperators(argument, unplanned(compiler), path);
      return (values) => !test(values);
    }
    case "$mod": {
      if (!Array.isArray(argument) || argument.length !== 2) throw badValue("malformed mod, needs to be an array of size 2");
      const [divisor, remainder] = argument.map((n) => Math.trunc(toNumber(n)));
      if (divisor === 0) throw badValue("divisor cannot be 0");
      return (values) => expand(values).some((v) => isNumeric(v) && Math.trunc(toNumber(v)) % divisor === remainder);
    }
    case "$bitsAllSet": return bitsTest(argument, (v, m) => (v & m) === m);
    case "$bitsAllClear": return bitsTest(argument, (v, m) => (v & m) === 0n);
    case "$bitsAnySet": return bitsTest(argument, (v, m) => (v & m) !== 0n);
    case "$bitsAnyClear": return bitsTest(argument, (v, m) => (v & m) !== m);
    case "$comment": return () => true;
    case "$geoWithin":
    case "$within":
      return compileGeoWithin(argument, operator);
    case "$geoIntersects":
      return compileGeoIntersects(argument);
  }
  throw badValue(`unknown operator: ${operator}`);
}
