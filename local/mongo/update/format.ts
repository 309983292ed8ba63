/**
 * Values printed the way the server prints a BSONElement in error messages (`a: 5`,
 * `{ b: 2.0 }`, `[ 1, "x" ]`, `ObjectId('…')`), so messages compare equal to a real server's.
 */
import { bsonTypeOf, isPlainObject, toNumber } from "../bson-values.ts";
import type { Binary, Decimal128, Long, ObjectId, Timestamp } from "../bson-values.ts";

/** `printf("%.<precision>g")`, which the server uses for doubles. */
export function formatG(x: number, precision: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0" : "0";
  const [mantissa, exponentText] = x.toExponential(precision - 1).split("e");
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= precision) {
    const digits = mantissa.includes(".") ? mantissa.replace(/\.?0+$/, "") : mantissa;
    const sign = exponent < 0 ? "-" : "+";
    return `${digits}e${sign}${String(Math.abs(exponent)).padStart(2, "0")}`;
  }
  const fixed = x.toFixed(Math.max(0, precision - 1 - exponent));
  return fixed.includes(".") ? fixed.replace(/\.?0+$/, "") : fixed;
}

/** StringBuilder::appendDoubleNice: `%.16g`, plus ".0" unless the text has '.', 'E' or 'N'. */
export function formatDouble(x: number): string {
  const text = formatG(x, 16);
  return /[.EN]/.test(text) ? text : `${text}.0`;
}

const hex = (bytes: Uint8Array, upper: boolean): string => {
  const text = Buffer.from(bytes).toString("hex");
  return upper ? text.toUpperCase() : text;
};

function formatBinary(value: unknown): string {
  const binary = value as Binary;
  const bytes = value instanceof Uint8Array ? value : binary.buffer.subarray(0, binary.position);
  const subtype = value instanceof Uint8Array ? 0 : binary.sub_type;
  if (subtype === 4 && bytes.length === 16) {
    const h = hex(bytes, false);
    return `UUID("${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}")`;
  }
  if (bytes.length > 80) return `BinData(${subtype}, ${hex(bytes.subarray(0, 70), true)}...)`;
  return `BinData(${subtype}, ${hex(bytes, true)})`;
}

const quoted = (text: string): string => (text.length >= 160 ? `"${text.slice(0, 150)}..."` : `"${text}"`);

export function formatValue(value: unknown): string {
  switch (bsonTypeOf(value)) {
    case "int": return String(typeof value === "number" ? value : (value as { value: number }).value);
    case "double": return formatDouble(typeof value === "number" ? value : (value as { value: number }).value);
    case "long": return typeof value === "bigint" ? String(value) : (value as Long).toString();
    case "decimal": return (value as Decimal128).toString();
    case "string": return quoted(value as string);
    case "symbol": return quoted(String((value as { value: string }).value));
    case "bool": return value ? "true" : "false";
    case "null": return "null";
    case "undefined":
    case "missing": return "undefined";
    case "minKey": return "MinKey";
    case "maxKey": return "MaxKey";
    case "date": return `new Date(${(value as Date).getTime()})`;
    case "objectId": return `ObjectId('${(value as ObjectId).toHexString()}')`;
    case "timestamp": return `Timestamp(${(value as Timestamp).t}, ${(value as Timestamp).i})`;
    case "binData": return formatBinary(value);
    case "regex": {
      const regex = value as { source?: string; flags?: string; pattern?: string; options?: string };
      return value instanceof RegExp ? `/${regex.source}/${regex.flags}` : `/${regex.pattern}/${regex.options}`;
    }
    case "javascript": {
      const code = String((value as { code: unknown }).code);
      return code.length >= 80 ? `${code.slice(0, 70)}...` : code;
    }
    case "javascriptWithScope": {
      const code = value as { code: unknown; scope: Record<string, unknown> };
      return `CodeWScope( ${String(code.code)}, ${formatDocument(code.scope)})`;
    }
    case "array": {
      const items = value as unknown[];
      return items.length === 0 ? "[]" : `[ ${items.map(formatValue).join(", ")} ]`;
    }
    case "object": {
      if (isPlainObject(value)) return formatDocument(value);
      // A DBRef is an object on the wire: { $ref, $id, $db }.
      const ref = value as { collection: string; oid: unknown; db?: string };
      const fields: Record<string, unknown> = { $ref: ref.collection, $id: ref.oid };
      if (ref.db) fields.$db = ref.db;
      return formatDocument(fields);
    }
  }
  return String(value);
}

export function formatDocument(doc: Record<string, unknown>): string {
  const keys = Object.keys(doc);
  if (keys.length === 0) return "{}";
  return `{ ${keys.map((key) => `${key}: ${formatValue(doc[key])}`).join(", ")} }`;
}

/** BSONElement::toString: `name: value`. */
export const formatElement = (name: string | number, value: unknown): string => `${name}: ${formatValue(value)}`;

/** SafeNum::debugString, which uses ostream's default `%g` (6 digits) for doubles. */
export function debugNumber(value: unknown): string {
  switch (bsonTypeOf(value)) {
    case "int": return `(NumberInt)${formatValue(value)}`;
    case "long": return `(NumberLong)${formatValue(value)}`;
    case "double": return `(NumberDouble)${formatG(toNumber(value), 6)}`;
    case "decimal": return `(NumberDecimal)${formatValue(value)}`;
  }
  return "(EOO)";
}
