/**
 * BSON values as the stand-in holds them, and MongoDB's rules for comparing them.
 *
 * Documents are kept as `normalizeNumbers` leaves what `bson` deserializes: int32 and double
 * become JS numbers, int64 stays a `Long`, and every other BSON type keeps its `bson` class
 * (ObjectId, Decimal128, Binary, Timestamp, …). A JS number that is an integer inside the int32
 * range is an "int"; any other number is a "double" (that is how `bson` serializes it back).
 * The one exception is a double with an integral value (`1.0`): a plain number would read back as
 * an int, so it stays a `Double` wrapper (see `normalizeNumbers`).
 *
 * Comparison follows MongoDB's canonical type order and compares numbers of different types by
 * value, so `1`, `Long(1)` and `Decimal128("1")` are equal, as they are on a real server.
 */
import { Binary, Decimal128, Double, Long, MaxKey, MinKey, ObjectId, Timestamp } from "bson";

export type BsonTypeName =
  | "double" | "string" | "object" | "array" | "binData" | "undefined" | "objectId" | "bool"
  | "date" | "null" | "regex" | "dbPointer" | "javascript" | "symbol" | "javascriptWithScope"
  | "int" | "timestamp" | "long" | "decimal" | "minKey" | "maxKey" | "missing";

/** BSON type numbers, for `$type: <number>` and error messages. */
export const BSON_TYPE_NUMBERS: Record<string, number> = {
  double: 1, string: 2, object: 3, array: 4, binData: 5, undefined: 6, objectId: 7, bool: 8,
  date: 9, null: 10, regex: 11, dbPointer: 12, javascript: 13, symbol: 14,
  javascriptWithScope: 15, int: 16, timestamp: 17, long: 18, decimal: 19, minKey: -1, maxKey: 127,
};

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

export const isInt32 = (n: number): boolean =>
  Number.isInteger(n) && n >= INT32_MIN && n <= INT32_MAX && !Object.is(n, -0);

const bsontypeOf = (v: object): string | undefined =>
  (v as { _bsontype?: string })._bsontype;

export function bsonTypeOf(value: unknown): BsonTypeName {
  switch (typeof value) {
    case "undefined": return "missing";
    case "number": return isInt32(value) ? "int" : "double";
    case "string": return "string";
    case "boolean": return "bool";
    case "bigint": return "long";
    case "function": return "javascript";
  }
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (value instanceof Date) return "date";
  if (value instanceof RegExp) return "regex";
  if (value instanceof Uint8Array) return "binData";
  switch (bsontypeOf(value as object)) {
    case "ObjectId": return "objectId";
    case "Long": return "long";
    case "Int32": return "int";
    case "Double": return "double";
    case "Decimal128": return "decimal";
    case "Binary": return "binData";
    case "Timestamp": return "timestamp";
    case "BSONRegExp": return "regex";
    case "MinKey": return "minKey";
    case "MaxKey": return "maxKey";
    case "Code": return (value as { scope?: unknown }).scope ? "javascriptWithScope" : "javascript";
    case "BSONSymbol": return "symbol";
    case "DBRef": return "object";
    case "DBPointer": return "dbPointer";
  }
  return "object";
}

export const isNumeric = (value: unknown): boolean => {
  const t = bsonTypeOf(value);
  return t === "int" || t === "long" || t === "double" || t === "decimal";
};

/** MongoDB's canonical order of types; null and missing share a slot, as do all numbers. */
const CANONICAL_ORDER: Record<BsonTypeName, number> = {
  minKey: 1, missing: 2, undefined: 2, null: 2, int: 3, long: 3, double: 3, decimal: 3,
  symbol: 4, string: 4, object: 5, array: 6, binData: 7, objectId: 8, bool: 9, date: 10,
  timestamp: 11, regex: 12, dbPointer: 13, javascript: 14, javascriptWithScope: 15, maxKey: 100,
};

export const canonicalOrder = (value: unknown): number => CANONICAL_ORDER[bsonTypeOf(value)];

/** Numeric value as a JS number (may lose precision for large longs and decimals). */
export function toNumber(value: unknown): number {
  if (typeof value === "number") return value;
  if (typeof value === "bigint") return Number(value);
  switch (bsontypeOf(value as object)) {
    case "Long": return (value as Long).toNumber();
    case "Int32":
    case "Double": return (value as { value: number }).value;
    case "Decimal128": return Number.parseFloat((value as Decimal128).toString());
  }
  return Number.NaN;
}

function compareNumbers(a: unknown, b: unknown): number {
  // Two longs (or a long and an integral number) are compared exactly, beyond 2^53.
  const exactA = exactInteger(a);
  const exactB = exactInteger(b);
  if (exactA !== undefined && exactB !== undefined) return exactA < exactB ? -1 : exactA > exactB ? 1 : 0;
  const x = toNumber(a);
  const y = toNumber(b);
  // MongoDB orders NaN below every other number and equal to itself.
  if (Number.isNaN(x)) return Number.isNaN(y) ? 0 : -1;
  if (Number.isNaN(y)) return 1;
  return x < y ? -1 : x > y ? 1 : 0;
}

function exactInteger(value: unknown): bigint | undefined {
  if (typeof value === "bigint") return value;
  if (typeof value === "number") return Number.isSafeInteger(value) ? BigInt(value) : undefined;
  if (bsontypeOf(value as object) === "Long") return BigInt((value as Long).toString());
  return undefined;
}

const compareScalars = (a: string | number, b: string | number): number => (a < b ? -1 : a > b ? 1 : 0);

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/** A collator, when the operation carries a collation with a locale other than "simple". */
export type StringComparer = (a: string, b: string) => number;

/**
 * Compares two BSON values as MongoDB does: first by canonical type, then by value.
 * Strings use `strings` when a collation applies, binary order otherwise.
 */
export function compareValues(a: unknown, b: unknown, strings?: StringComparer): number {
  const typeA = bsonTypeOf(a);
  const typeB = bsonTypeOf(b);
  const orderA = CANONICAL_ORDER[typeA];
  const orderB = CANONICAL_ORDER[typeB];
  if (orderA !== orderB) return orderA < orderB ? -1 : 1;
  switch (orderA) {
    case 2: return 0;
    case 3: return compareNumbers(a, b);
    case 4: {
      const x = typeA === "symbol" ? String((a as { value: string }).value) : (a as string);
      const y = typeB === "symbol" ? String((b as { value: string }).value) : (b as string);
      return strings ? Math.sign(strings(x, y)) : compareUtf8(x, y);
    }
    case 5: return compareDocuments(a as Record<string, unknown>, b as Record<string, unknown>, strings);
    case 6: return compareArrays(a as unknown[], b as unknown[], strings);
    case 7: {
      const x = binaryParts(a);
      const y = binaryParts(b);
      if (x.bytes.length !== y.bytes.length) return x.bytes.length - y.bytes.length;
      if (x.subtype !== y.subtype) return x.subtype - y.subtype;
      return Math.sign(compareBytes(x.bytes, y.bytes));
    }
    case 8: return Math.sign(compareBytes((a as ObjectId).id, (b as ObjectId).id));
    case 9: return Number(a) - Number(b);
    case 10: return compareScalars((a as Date).getTime(), (b as Date).getTime());
    case 11: {
      const x = a as Timestamp;
      const y = b as Timestamp;
      return x.t !== y.t ? compareScalars(x.t, y.t) : compareScalars(x.i, y.i);
    }
    case 12: {
      const x = regexParts(a);
      const y = regexParts(b);
      return compareUtf8(x.source, y.source) || compareUtf8(x.flags, y.flags);
    }
    case 14:
    case 15: return compareUtf8(String((a as { code: string }).code), String((b as { code: string }).code));
  }
  return 0;
}

export const valuesEqual = (a: unknown, b: unknown, strings?: StringComparer): boolean =>
  compareValues(a, b, strings) === 0;

/** Binary order of UTF-8 bytes; JS compares UTF-16 units, which differs above U+D7FF. */
function compareUtf8(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    if (x < 0xd800 && y < 0xd800) return x < y ? -1 : 1;
    return Math.sign(compareBytes(Buffer.from(a.slice(i)), Buffer.from(b.slice(i))));
  }
  return a.length < b.length ? -1 : 1;
}

function compareDocuments(a: Record<string, unknown>, b: Record<string, unknown>, strings?: StringComparer): number {
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  const n = Math.min(keysA.length, keysB.length);
  for (let i = 0; i < n; i++) {
    const byType = canonicalOrder(a[keysA[i]]) - canonicalOrder(b[keysB[i]]);
    if (byType !== 0) return Math.sign(byType);
    const byName = compareUtf8(keysA[i], keysB[i]);
    if (byName !== 0) return byName;
    const byValue = compareValues(a[keysA[i]], b[keysB[i]], strings);
    if (byValue !== 0) return byValue;
  }
  return Math.sign(keysA.length - keysB.length);
}

function compareArrays(a: unknown[], b: unknown[], strings?: StringComparer): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const byValue = compareValues(a[i], b[i], strings);
    if (byValue !== 0) return byValue;
  }
  return Math.sign(a.length - b.length);
}

function binaryParts(value: unknown): { bytes: Uint8Array; subtype: number } {
  if (value instanceof Uint8Array) return { bytes: value, subtype: 0 };
  const binary = value as Binary;
  return { bytes: binary.buffer.subarray(0, binary.position), subtype: binary.sub_type };
}

export function regexParts(value: unknown): { source: string; flags: string } {
  if (value instanceof RegExp) return { source: value.source, flags: value.flags };
  const regex = value as { pattern: string; options: string };
  return { source: regex.pattern, flags: regex.options };
}

/**
 * A string that is equal for two values exactly when `compareValues` says they are equal
 * (without collation): the key of hash indexes and of `$group`-like de-duplication.
 */
export function hashKeyOf(value: unknown): string {
  const type = bsonTypeOf(value);
  switch (CANONICAL_ORDER[type]) {
    case 2: return "n";
    case 3: {
      const exact = exactInteger(value);
      if (exact !== undefined) return `#${exact}`;
      return `#${toNumber(value)}`;
    }
    case 4: return `s${type === "symbol" ? (value as { value: string }).value : (value as string)}`;
    case 5: {
      const doc = value as Record<string, unknown>;
      return `{${Object.keys(doc).map((k) => `${JSON.stringify(k)}:${hashKeyOf(doc[k])}`).join(",")}}`;
    }
    case 6: return `[${(value as unknown[]).map(hashKeyOf).join(",")}]`;
    case 7: {
      const { bytes, subtype } = binaryParts(value);
      return `b${subtype}:${Buffer.from(bytes).toString("base64")}`;
    }
    case 8: return `o${(value as ObjectId).toHexString()}`;
    case 9: return value ? "T" : "F";
    case 10: return `d${(value as Date).getTime()}`;
    case 11: return `t${(value as Timestamp).toString()}`;
    case 12: {
      const { source, flags } = regexParts(value);
      return `r/${source}/${flags}`;
    }
  }
  return `${type}:${String((value as { code?: string }).code ?? "")}`;
}

export const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  bsonTypeOf(value) === "object" && !(bsontypeOf(value as object) === "DBRef");

export { Binary, Decimal128, Double, Long, MaxKey, MinKey, ObjectId, Timestamp };

/**
 * The numeric representation the stand-in keeps, applied in place to a document `bson` read with
 * `promoteValues: false`: int32 and non-integral doubles become JS numbers, integral doubles keep
 * their `Double` wrapper (so `1.0` is still a double when it is read back), longs stay `Long`.
 */
export function normalizeNumbers(container: Record<string, unknown> | unknown[]): void {
  const entries = Array.isArray(container) ? container : Object.values(container);
  const keys = Array.isArray(container) ? undefined : Object.keys(container);
  for (let i = 0; i < entries.length; i++) {
    const value = entries[i];
    if (value === null || typeof value !== "object") continue;
    let next: unknown = value;
    const tag = bsontypeOf(value);
    if (tag === "Int32") next = (value as { value: number }).value;
    else if (tag === "Double") next = asDouble((value as { value: number }).value);
    else if (Array.isArray(value) || tag === undefined) normalizeNumbers(value as Record<string, unknown>);
    if (next !== value) {
      if (keys) (container as Record<string, unknown>)[keys[i]] = next;
      else (container as unknown[])[i] = next;
    }
  }
}

/** A double in the stand-in's representation: a number unless that would read back as an int. */
export const asDouble = (value: number): number | Double => (isInt32(value) ? new Double(value) : value);

/**
 * `value` with every `Double` wrapper replaced by its number (copying only what changes), for
 * mingo's expression operators, which only do arithmetic on JS numbers.
 */
export function plainNumbers<T>(value: T): T {
  if (value === null || typeof value !== "object") return value;
  if (bsontypeOf(value) === "Double") return (value as unknown as { value: number }).value as T;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    value.forEach((item, i) => {
      const plain = plainNumbers(item);
      if (plain !== item) (copy ??= [...value])[i] = plain;
    });
    return (copy ?? value) as T;
  }
  if (!isPlainObject(value)) return value;
  let copy: Record<string, unknown> | undefined;
  for (const key of Object.keys(value)) {
    const item = value[key];
    const plain = plainNumbers(item);
    if (plain !== item) (copy ??= { ...value })[key] = plain;
  }
  return (copy ?? value) as T;
}

/** A deep copy of documents and arrays; BSON value objects are immutable and shared. */
export function cloneValue<T>(value: T): T {
  if (Array.isArray(value)) return value.map(cloneValue) as T;
  if (value instanceof Date) return new Date(value.getTime()) as T;
  if (isPlainObject(value)) {
    const copy: Record<string, unknown> = {};
    for (const key of Object.keys(value)) copy[key] = cloneValue(value[key]);
    return copy as T;
  }
  return value;
}

/**
 * `result` with the `Double` wrappers of `original` put back wherever a computation passed the
 * value through unchanged (same path, same number): what `plainNumbers` took away for mingo.
 */
export function restoreDoubles<T>(result: T, original: unknown): T {
  if (typeof result === "number") {
    return bsontypeOf(original as object) === "Double" && (original as { value: number }).value === result ? (original as T) : result;
  }
  if (Array.isArray(result)) {
    if (!Array.isArray(original)) return result;
    for (let i = 0; i < result.length; i++) result[i] = restoreDoubles(result[i], original[i]);
    return result;
  }
  if (isPlainObject(result) && isPlainObject(original)) {
    const fields: Record<string, unknown> = result;
    for (const key of Object.keys(fields)) if (key in original) fields[key] = restoreDoubles(fields[key], original[key]);
  }
  return result;
}
