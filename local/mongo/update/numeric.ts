/**
 * The server's SafeNum: `$inc`, `$mul` and `$bit` arithmetic with BSON's numeric types.
 * int op int stays int unless it overflows into a long; int/long mixes are longs and fail on
 * 64-bit overflow (an invalid result the caller reports); anything with a double is a double;
 * anything with a decimal is a decimal, computed exactly to IEEE 754-2008's 34 digits.
 */
import { Decimal128, Long, asDouble, bsonTypeOf, isInt32 } from "../bson-values.ts";

export type SafeNum =
  | { type: "int"; value: number }
  | { type: "long"; value: bigint }
  | { type: "double"; value: number }
  | { type: "decimal"; value: Dec }
  | { type: "invalid" };

/** A finite decimal is (-1)^negative × coefficient × 10^exponent. */
interface Dec {
  negative: boolean;
  coefficient: bigint;
  exponent: number;
  special?: "NaN" | "Infinity";
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const DECIMAL_DIGITS = 34;

const unwrap = (value: unknown): number =>
  typeof value === "number" ? value : (value as { value: number }).value;

export function toSafeNum(value: unknown): SafeNum {
  switch (bsonTypeOf(value)) {
    case "int": return { type: "int", value: unwrap(value) };
    case "double": return { type: "double", value: unwrap(value) };
    case "long": return { type: "long", value: typeof value === "bigint" ? value : BigInt((value as Long).toString()) };
    case "decimal": return { type: "decimal", value: parseDecimal((value as Decimal128).toString()) };
  }
  return { type: "invalid" };
}

export function fromSafeNum(num: SafeNum): unknown {
  switch (num.type) {
    case "int": return num.value;
    case "double": return asDouble(num.value);
    case "long": return Long.fromBigInt(num.value);
    case "decimal": return Decimal128.fromString(decimalText(num.value));
  }
  throw new Error("invalid SafeNum");
}

/** SafeNum::isIdentical: same type and same value, which is what makes `$inc: 0` a no-op. */
export function identicalNums(a: SafeNum, b: SafeNum): boolean {
  if (a.type !== b.type || a.type === "invalid") return false;
  if (a.type === "decimal") return decimalText(a.value) === decimalText((b as typeof a).value);
  return a.value === (b as typeof a).value;
}

const int32OrLong = (value: bigint): SafeNum =>
  isInt32(Number(value)) && BigInt(Number(value)) === value ? { type: "int", value: Number(value) } : { type: "long", value };

const checkedLong = (value: bigint): SafeNum =>
  value < INT64_MIN || value > INT64_MAX ? { type: "invalid" } : { type: "long", value };

const asBigInt = (num: SafeNum): bigint => (num.type === "int" ? BigInt(num.value) : (num as { value: bigint }).value);
const asNumber = (num: SafeNum): number => (num.type === "long" ? Number(num.value) : (num as { value: number }).value);

function arithmetic(a: SafeNum, b: SafeNum, op: "add" | "mul"): SafeNum {
  if (a.type === "invalid" || b.type === "invalid") return { type: "invalid" };
  if (a.type === "decimal" || b.type === "decimal") {
    const x = toDecimal(a);
    const y = toDecimal(b);
    return { type: "decimal", value: op === "add" ? addDecimals(x, y) : multiplyDecimals(x, y) };
  }
  if (a.type === "double" || b.type === "double") {
    const x = asNumber(a);
    const y = asNumber(b);
    return { type: "double", value: op === "add" ? x + y : x * y };
  }
  const result = op === "add" ? asBigInt(a) + asBigInt(b) : asBigInt(a) * asBigInt(b);
  // Only int op int widens on overflow; anything involving a long stays a long or fails.
  if (a.type === "int" && b.type === "int") return int32OrLong(result);
  return checkedLong(result);
}

export const addNums = (a: SafeNum, b: SafeNum): SafeNum => arithmetic(a, b, "add");
export const multiplyNums = (a: SafeNum, b: SafeNum): SafeNum => arithmetic(a, b, "mul");

export type BitOperator = "and" | "or" | "xor";

/** `$bit`: int op int is an int; a long on either side makes a long. */
export function bitwise(a: SafeNum, b: SafeNum, op: BitOperator): SafeNum {
  if ((a.type !== "int" && a.type !== "long") || (b.type !== "int" && b.type !== "long")) return { type: "invalid" };
  if (a.type === "int" && b.type === "int") {
    const value = op === "and" ? a.value & b.value : op === "or" ? a.value | b.value : a.value ^ b.value;
    return { type: "int", value };
  }
  const x = asBigInt(a);
  const y = asBigInt(b);
  const value = op === "and" ? x & y : op === "or" ? x | y : x ^ y;
  return { type: "long", value: BigInt.asIntN(64, value) };
}

// ---- Decimal128 arithmetic -------------------------------------------------------------------

function parseDecimal(text: string): Dec {
  const negative = text.startsWith("-");
  const body = negative || text.startsWith("+") ? text.slice(1) : text;
  if (body === "NaN") return { negative: false, coefficient: 0n, exponent: 0, special: "NaN" };
  if (body === "Infinity" || body === "Inf") return { negative, coefficient: 0n, exponent: 0, special: "Infinity" };
  const [mantissa, exponentText = "0"] = body.split(/[eE]/);
  const [whole, fraction = ""] = mantissa.split(".");
  return { negative, coefficient: BigInt(whole + fraction || "0"), exponent: Number(exponentText) - fraction.length };
}

function decimalText(dec: Dec): string {
  if (dec.special === "NaN") return "NaN";
  if (dec.special === "Infinity") return dec.negative ? "-Infinity" : "Infinity";
  const sign = dec.negative ? "-" : "";
  return `${sign}${dec.coefficient}E${dec.exponent >= 0 ? "+" : ""}${dec.exponent}`;
}

/**
 * How the server widens to decimal: ints and longs exactly, doubles rounded to 15 significant
 * digits (Decimal128's kRoundTo15Digits), which is why `$inc` of 0.1 onto a decimal adds
 * 0.100000000000000.
 */
function toDecimal(num: SafeNum): Dec {
  switch (num.type) {
    case "decimal": return num.value;
    case "int":
    case "long": {
      const value = BigInt(num.value);
      return { negative: value < 0n, coefficient: value < 0n ? -value : value, exponent: 0 };
    }
    case "double": {
      const x = num.value;
      if (Number.isNaN(x)) return { negative: false, coefficient: 0n, exponent: 0, special: "NaN" };
      if (!Number.isFinite(x)) return { negative: x < 0, coefficient: 0n, exponent: 0, special: "Infinity" };
      if (x === 0) return { negative: Object.is(x, -0), coefficient: 0n, exponent: -14 };
      const [mantissa, exponentText] = Math.abs(x).toExponential(14).split("e");
      return { negative: x < 0, coefficient: BigInt(mantissa.replace(".", "")), exponent: Number(exponentText) - 14 };
    }
  }
  return { negative: false, coefficient: 0n, exponent: 0, special: "NaN" };
}

/** Rounds half-to-even to 34 significant digits, as decimal128 arithmetic does. */
function roundDecimal(dec: Dec): Dec {
  const digits = dec.coefficient.toString().length;
  if (digits <= DECIMAL_DIGITS) return dec;
  let drop = digits - DECIMAL_DIGITS;
  const divisor = 10n ** BigInt(drop);
  let quotient = dec.coefficient / divisor;
  const remainder = dec.coefficient % divisor;
  const half = divisor / 2n;
  if (remainder > half || (remainder === half && quotient % 2n === 1n)) quotient += 1n;
  if (quotient.toString().length > DECIMAL_DIGITS) {
    quotient /= 10n;
    drop += 1;
  }
  return { negative: dec.negative, coefficient: quotient, exponent: dec.exponent + drop };
}

const NAN: Dec = { negative: false, coefficient: 0n, exponent: 0, special: "NaN" };

function addDecimals(x: Dec, y: Dec): Dec {
  if (x.special === "NaN" || y.special === "NaN") return NAN;
  if (x.special === "Infinity" || y.special === "Infinity") {
    if (x.special && y.special && x.negative !== y.negative) return NAN;
    return x.special ? x : y;
  }
  const exponent = Math.min(x.exponent, y.exponent);
  const signed = (d: Dec) => (d.negative ? -d.coefficient : d.coefficient) * 10n ** BigInt(d.exponent - exponent);
  const sum = signed(x) + signed(y);
  // A zero sum is negative only when both addends are (round-half-even rules).
  const negative = sum === 0n ? x.negative && y.negative : sum < 0n;
  return roundDecimal({ negative, coefficient: sum < 0n ? -sum : sum, exponent });
}

function multiplyDecimals(x: Dec, y: Dec): Dec {
  const negative = x.negative !== y.negative;
  if (x.special === "NaN" || y.special === "NaN") return NAN;
  if (x.special === "Infinity" || y.special === "Infinity") {
    const other = x.special ? y : x;
    if (!other.special && other.coefficient === 0n) return NAN;
    return { negative, coefficient: 0n, exponent: 0, special: "Infinity" };
  }
  return roundDecimal({ negative, coefficient: x.coefficient * y.coefficient, exponent: x.exponent + y.exponent });
}
