/**
 * Value semantics $jsonSchema needs beyond plain query comparison: `enum` and `uniqueItems`
 * compare objects regardless of field order, `multipleOf` is decided in decimal arithmetic,
 * lengths count code points, and `required` is reported in byte order of UTF-8 names.
 */
import { failedToParse } from "../errors.ts";
import {
  bsonTypeOf,
  compareValues,
  isNumeric,
  isPlainObject,
  toNumber,
  valuesEqual,
} from "../bson-values.ts";

export type Detail = Record<string, unknown>;

/** A property of a document, treating an own property holding `undefined` as absent. */
export function fieldOf(doc: Record<string, unknown>, name: string): unknown {
  return Object.hasOwn(doc, name) ? doc[name] : undefined;
}

export const presentKeys = (doc: Record<string, unknown>): string[] =>
  Object.keys(doc).filter((key) => doc[key] !== undefined);

/** MongoDB's UnorderedFieldsBSONElementComparator: like `valuesEqual`, but field order is ignored. */
export function unorderedEqual(a: unknown, b: unknown): boolean {
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = presentKeys(a);
    if (keys.length !== presentKeys(b).length) return false;
    return keys.every((key) => fieldOf(b, key) !== undefined && unorderedEqual(a[key], b[key]));
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, i) => unorderedEqual(item, b[i]));
  }
  return valuesEqual(a, b);
}

export function firstDuplicate(items: unknown[]): { found: boolean; value?: unknown } {
  for (let i = 1; i < items.length; i++) {
    for (let j = 0; j < i; j++) if (unorderedEqual(items[i], items[j])) return { found: true, value: items[i] };
  }
  return { found: false };
}

/** The server measures strings in UTF-8 code points, not UTF-16 units. */
export function codePointLength(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

export const byUtf8 = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

const isNaNNumber = (value: unknown): boolean => Number.isNaN(toNumber(value));

/** Comparison as MongoDB's $lt/$lte/$gt/$gte do it: NaN only equals NaN and orders against nothing. */
export function numericComparison(value: unknown, bound: unknown, op: "lt" | "lte" | "gt" | "gte"): boolean {
  const valueNaN = isNaNNumber(value);
  const boundNaN = isNaNNumber(bound);
  if (valueNaN || boundNaN) return (op === "lte" || op === "gte") && valueNaN && boundNaN;
  const c = compareValues(value, bound);
  switch (op) {
    case "lt": return c < 0;
    case "lte": return c <= 0;
    case "gt": return c > 0;
    case "gte": return c >= 0;
  }
}

/** A finite decimal `coefficient × 10^exponent`. */
export interface Decimal { coefficient: bigint; exponent: number }

function parseDecimal(text: string): Decimal | null {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim());
  if (!m || (m[2] === "" && (m[3] ?? "") === "")) return null;
  const fraction = m[3] ?? "";
  const coefficient = BigInt(`${m[2]}${fraction}` || "0");
  return { coefficient: m[1] === "-" ? -coefficient : coefficient, exponent: Number(m[4] ?? 0) - fraction.length };
}

/**
 * A number as the server's `numberDecimal()` sees it; doubles are rounded to 15 significant
 * digits first, which is why 0.3 is a multiple of 0.1 on a real server.
 */
export function toDecimal(value: unknown): Decimal | null {
  switch (bsonTypeOf(value)) {
    case "int":
    case "double": {
      const n = toNumber(value);
      return Number.isFinite(n) ? parseDecimal(n.toPrecision(15)) : null;
    }
    case "long":
    case "decimal": return parseDecimal(String(value));
  }
  return null;
}

export function isMultipleOf(value: unknown, divisor: Decimal): boolean {
  const dividend = toDecimal(value);
  if (!dividend || divisor.coefficient === 0n) return false;
  const exponent = Math.min(dividend.exponent, divisor.exponent);
  const a = dividend.coefficient * 10n ** BigInt(dividend.exponent - exponent);
  const b = divisor.coefficient * 10n ** BigInt(divisor.exponent - exponent);
  return a % b === 0n;
}

/** How the server prints a BSON element in parse errors: `minLength: "x"`, `maxItems: 1.5`. */
export function elementString(name: string, value: unknown): string {
  let text: string;
  switch (bsonTypeOf(value)) {
    case "string": text = JSON.stringify(value); break;
    case "double": {
      const n = value as number;
      text = Number.isInteger(n) ? `${n}.0` : String(n);
      break;
    }
    case "decimal": text = `NumberDecimal("${String(value)}")`; break;
    case "int":
    case "long":
    case "bool":
    case "null": text = String(value); break;
    default: text = JSON.stringify(value) ?? String(value);
  }
  return `${name}: ${text}`;
}

/** MatchExpressionParser::parseIntegerElementToNonNegativeLong, with its messages. */
export function nonNegativeInteger(name: string, value: unknown): number {
  const shown = elementString(name, value);
  if (!isNumeric(value)) throw failedToParse(`Expected a number in: ${shown}`);
  const n = toNumber(value);
  const type = bsonTypeOf(value);
  if (type === "double" || type === "decimal") {
    if (Number.isNaN(n)) throw failedToParse(`Expected an integer, but found NaN in: ${shown}`);
    if (n >= 2 ** 63 || n < -(2 ** 63)) throw failedToParse(`Cannot represent as a 64-bit integer: ${shown}`);
    if (!Number.isInteger(n)) throw failedToParse(`Expected an integer: ${shown}`);
  }
  if (n < 0) throw failedToParse(`Expected a positive number in: ${shown}`);
  return n;
}
