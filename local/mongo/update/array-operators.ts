/**
 * The array operators: `$push` (with `$each`, `$position`, `$sort`, `$slice`), `$addToSet`,
 * `$pull`, `$pullAll` and `$pop`. Like every leaf they validate their argument when the update
 * is parsed.
 */
import { bsonTypeOf, compareValues, isNumeric, isPlainObject, toNumber, valuesEqual } from "../bson-values.ts";
import type { StringComparer } from "../bson-values.ts";
import { badValue, failedToParse, typeMismatch } from "../errors.ts";
import { compileFilter } from "../query.ts";
import { formatDocument, formatElement } from "./format.ts";
import { idDescription, unreachable, type Modifier } from "./modifier.ts";
import { cloneValue, nameOf } from "./paths.ts";
import type { Doc, Element, LeafEnv, Run } from "./types.ts";

/** MatchExpressionParser::parseIntegerElementToLong, for $slice, $position and $pop. */
function integerArgument(field: string, value: unknown): number {
  if (!isNumeric(value)) throw failedToParse(`Expected a number in: ${formatElement(field, value)}`);
  const type = bsonTypeOf(value);
  const number = toNumber(value);
  if (type === "double" && Number.isNaN(number)) {
    throw failedToParse(`Expected an integer, but found NaN in: ${formatElement(field, value)}`);
  }
  if ((type === "double" || type === "decimal") && !(number >= -(2 ** 63) && number < 2 ** 63)) {
    throw failedToParse(`Cannot represent as a 64-bit integer: ${formatElement(field, value)}`);
  }
  if (!Number.isInteger(number)) {
    if (type === "decimal") throw failedToParse(`Cannot represent as a 64-bit integer: ${formatElement(field, value)}`);
    throw failedToParse(`Expected an integer: ${formatElement(field, value)}`);
  }
  return number;
}

type ElementComparer = (a: unknown, b: unknown) => number;

/** `$sort` of $push: 1/-1 orders whole elements, `{field: ±1}` orders documents by fields. */
function parsePushSort(spec: unknown, strings?: StringComparer): ElementComparer {
  if (isNumeric(spec)) {
    const order = toNumber(spec);
    if (order !== 1 && order !== -1) throw badValue("The $sort element value must be either 1 or -1");
    return (a, b) => order * compareValues(a, b, strings);
  }
  if (!isPlainObject(spec)) {
    throw badValue("The $sort is invalid: use 1/-1 to sort the whole element, or {field:1/-1} to sort embedded fields");
  }
  const fields = Object.entries(spec);
  if (fields.length === 0) throw badValue("The $sort pattern is empty when it should be a set of fields.");
  const pattern = fields.map(([path, direction]) => {
    const order = isNumeric(direction) ? toNumber(direction) : 0;
    if (order !== 1 && order !== -1) throw badValue("The $sort element value must be either 1 or -1");
    if (path === "") throw badValue("The $sort field cannot be empty");
    if (path.split(".").includes("")) throw badValue(`The $sort field is a dotted field but has an empty part: ${path}`);
    return { path, order };
  });
  // Non-documents have no fields, so every sort key of theirs is null.
  const keyOf = (value: unknown, path: string) => (isPlainObject(value) ? fieldDotted(value, path) ?? null : null);
  return (a, b) => {
    for (const { path, order } of pattern) {
      const result = compareValues(keyOf(a, path), keyOf(b, path), strings);
      if (result !== 0) return order * result;
    }
    return 0;
  };
}

/** BSONObj::getFieldDotted: a literal dotted name first, then documents and array indexes. */
function fieldDotted(value: unknown, path: string): unknown {
  if ((isPlainObject(value) || Array.isArray(value)) && Object.hasOwn(value, path)) return (value as Doc)[path];
  const dot = path.indexOf(".");
  if (dot < 0) return undefined;
  const head = path.slice(0, dot);
  const sub = (isPlainObject(value) || Array.isArray(value)) && Object.hasOwn(value, head) ? (value as Doc)[head] : undefined;
  return isPlainObject(sub) || Array.isArray(sub) ? fieldDotted(sub, path.slice(dot + 1)) : undefined;
}

const PUSH_CLAUSES = new Set(["$each", "$slice", "$sort", "$position"]);

export function pushModifier(argument: unknown, strings?: StringComparer): Modifier {
  let values: unknown[] = [argument];
  let slice = Number.MAX_SAFE_INTEGER;
  let position = Number.MAX_SAFE_INTEGER;
  let sort: ElementComparer | undefined;
  if (isPlainObject(argument) && Object.hasOwn(argument, "$each")) {
    for (const clause of Object.keys(argument)) {
      if (!PUSH_CLAUSES.has(clause)) throw badValue(`Unrecognized clause in $push: ${clause}`);
    }
    const each = argument.$each;
    if (!Array.isArray(each)) {
      throw badValue(`The argument to $each in $push must be an array but it was of type: ${bsonTypeOf(each)}`);
    }
    values = each;
    if (Object.hasOwn(argument, "$slice")) {
      slice = integerClause(argument.$slice, `The value for $slice must be an integer value but was given type: `);
    }
    if (Object.hasOwn(argument, "$sort")) sort = parsePushSort(argument.$sort, strings);
    if (Object.hasOwn(argument, "$position")) {
      position = integerClause(argument.$position, `The value for $position must be an integer value, not of type: `);
    }
  }
  const push = (element: Element, path: string[] | undefined, run: Run): boolean => {
    if (!Array.isArray(element.value)) {
      throw badValue(
        `The field '${path?.join(".")}' must be an array but is of type ${bsonTypeOf(element.value)} ` +
          `in document {${idDescription(run, "no id")}}`,
      );
    }
    const array = element.value;
    let changed = insertAtPosition(array, position, values.map(cloneValue));
    if (sort) {
      changed = true;
      const sorted = [...array].sort(sort);
      array.splice(0, array.length, ...sorted);
    }
    const keep = Math.abs(slice);
    if (array.length > keep) {
      changed = true;
      if (slice >= 0) array.splice(keep);
      else array.splice(0, array.length - keep);
    }
    return changed;
  };
  return {
    allowCreation: true,
    allowNonViablePath: false,
    validatesStorage: true,
    updateExisting: (element, cursor, run) => push(element, cursor.pathTaken, run),
    valueForNew(run) {
      const created: Element = { value: [] };
      push(created, undefined, run);
      return created.value;
    },
  };
}

function integerClause(value: unknown, message: string): number {
  try {
    return integerArgument("", value);
  } catch {
    throw badValue(`${message}${bsonTypeOf(value)}`);
  }
}

/** PushNode::insertElementsWithPosition: negative positions count from the end. */
function insertAtPosition(array: unknown[], position: number, values: unknown[]): boolean {
  if (values.length === 0) return false;
  const size = array.length;
  if (size === 0 || position > size) array.push(...values);
  else if (position > 0) array.splice(position, 0, ...values);
  else if (position < 0 && -position < size) array.splice(size + position, 0, ...values);
  else array.unshift(...values);
  return true;
}

export function addToSetModifier(argument: unknown, strings?: StringComparer): Modifier {
  let candidates: unknown[] = [argument];
  if (isPlainObject(argument) && Object.keys(argument)[0] === "$each") {
    const each = argument.$each;
    if (!Array.isArray(each)) {
      throw typeMismatch(`The argument to $each in $addToSet must be an array but it was of type ${bsonTypeOf(each)}`);
    }
    if (Object.keys(argument).length > 1) {
      throw badValue(`Found unexpected fields after $each in $addToSet: ${formatDocument(argument)}`);
    }
    candidates = each;
  }
  const elements: unknown[] = [];
  for (const candidate of candidates) {
    if (!elements.some((kept) => valuesEqual(kept, candidate, strings))) elements.push(candidate);
  }
  return {
    allowCreation: true,
    allowNonViablePath: false,
    validatesStorage: true,
    updateExisting(element) {
      if (!Array.isArray(element.value)) {
        throw badValue(
          `Cannot apply $addToSet to non-array field. Field named '${nameOf(element)}' has non-array type ` +
            bsonTypeOf(element.value),
        );
      }
      const array = element.value;
      const missing = elements.filter((value) => !array.some((existing) => valuesEqual(existing, value, strings)));
      array.push(...missing.map(cloneValue));
      return missing.length > 0;
    },
    valueForNew: () => elements.map(cloneValue),
  };
}

export type ElementMatcher = (element: unknown) => boolean;

/** Operators that may start a condition on a value (MatchExpressionParser::parsePathAcceptingKeyword). */
const PATH_ACCEPTING = new Set([
  "$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin", "$all", "$exists", "$mod", "$type", "$regex",
  "$options", "$elemMatch", "$size", "$not", "$bitsAllSet", "$bitsAllClear", "$bitsAnySet", "$bitsAnyClear",
  "$within", "$geoWithin", "$geoIntersects", "$near", "$nearSphere", "$geoNear",
]);

/**
 * PullNode's three matchers: a query on subdocuments (`{score: {$gt: 5}}`), a condition on the
 * element itself (`{$gte: 6}` or a regex, matched through a wrapper field), or plain equality.
 */
export function pullMatcher(argument: unknown, env: LeafEnv): ElementMatcher {
  if (isPlainObject(argument) && !PATH_ACCEPTING.has(Object.keys(argument)[0])) {
    const predicate = compileFilter(argument, env.queryOptions);
    return (element) => isPlainObject(element) && predicate(element);
  }
  if (isPlainObject(argument) || bsonTypeOf(argument) === "regex") {
    const predicate = compileFilter({ element: argument }, env.queryOptions);
    return (element) => predicate({ element });
  }
  return (element) => valuesEqual(element, argument, env.strings);
}

export function pullAllMatcher(argument: unknown, strings?: StringComparer): ElementMatcher {
  if (!Array.isArray(argument)) {
    throw badValue(`$pullAll requires an array argument but was given a ${bsonTypeOf(argument)}`);
  }
  return (element) => argument.some((value) => valuesEqual(element, value, strings));
}

export function cullingModifier(matches: ElementMatcher): Modifier {
  return {
    allowCreation: false,
    allowNonViablePath: false,
    validatesStorage: false,
    updateExisting(element) {
      if (!Array.isArray(element.value)) throw badValue("Cannot apply $pull to a non-array value");
      const array = element.value;
      const kept = array.filter((item) => !matches(item));
      if (kept.length === array.length) return false;
      array.splice(0, array.length, ...kept);
      return true;
    },
    valueForNew: unreachable,
  };
}

export function popModifier(field: string, argument: unknown): Modifier {
  const direction = integerArgument(field, argument);
  if (direction !== 1 && direction !== -1) throw failedToParse(`$pop expects 1 or -1, found: ${direction}`);
  return {
    allowCreation: false,
    allowNonViablePath: false,
    validatesStorage: false,
    updateExisting(element, cursor) {
      if (!Array.isArray(element.value)) {
        throw typeMismatch(
          `Path '${cursor.pathTaken.join(".")}' contains an element of non-array type '${bsonTypeOf(element.value)}'`,
        );
      }
      if (element.value.length === 0) return false;
      if (direction === -1) element.value.shift();
      else element.value.pop();
      return true;
    },
    valueForNew: unreachable,
  };
}
