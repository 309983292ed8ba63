import { EJSON } from "bson";
import { describeType, hasBsonTag, hasBsonType, numericValue } from "./bson-types.ts";

// The unified test format's matching rules ([UTF §Evaluating Matches]). `describeMismatch` returns
// undefined on a match and otherwise one line naming the path of the first difference.

export interface MatchOptions {
  /** Mirror the Node driver's own matcher instead of the spec (RUNNER-NOTES §5). */
  lenient?: boolean;
  /** Whether the top-level expected document is a root document (extra actual keys allowed). */
  root?: boolean;
  /** Whether elements of a top-level array are root documents (find and aggregate results). */
  elementsAreRoots?: boolean;
  /** Prefix of every reported path. */
  path?: string;
}

interface Rules {
  operators: boolean;
  rootExtraKeys: boolean;
  nestedExtraKeys: boolean;
  arrayLength: boolean;
  nullIsAbsent: boolean;
  signedZero: boolean;
  operatorAnywhereInDocument: boolean;
  anyNumberIsAnyNumericType: boolean;
}

const SPEC_RULES: Rules = {
  operators: true,
  rootExtraKeys: true,
  nestedExtraKeys: false,
  arrayLength: true,
  nullIsAbsent: false,
  signedZero: false,
  operatorAnywhereInDocument: false,
  anyNumberIsAnyNumericType: false,
};

const NODE_RULES: Rules = {
  ...SPEC_RULES,
  nestedExtraKeys: true,
  arrayLength: false,
  nullIsAbsent: true,
  signedZero: true,
  operatorAnywhereInDocument: true,
  anyNumberIsAnyNumericType: true,
};

// Test outcome data must match exactly: no operators and no extra fields anywhere (UTF §Executing a Test).
const OUTCOME_RULES: Rules = { ...SPEC_RULES, operators: false, rootExtraKeys: false };
// Node compares outcome documents with chai `deep.include`, which ignores extra top-level fields.
const NODE_OUTCOME_RULES: Rules = { ...SPEC_RULES, operators: false, signedZero: true };

const KNOWN_OPERATORS = new Set([
  "$$exists", "$$type", "$$unsetOrMatches", "$$matchesEntity", "$$matchesHexBytes",
  "$$sessionLsid", "$$lte", "$$matchAsDocument", "$$matchAsRoot",
]);

interface Context {
  rules: Rules;
  path: string;
  isRoot: boolean;
  elementsAreRoots: boolean;
}

export function describeMismatch(expected: unknown, actual: unknown, options: MatchOptions = {}): string | undefined {
  return matchValue(expected, actual, {
    rules: options.lenient ? NODE_RULES : SPEC_RULES,
    path: options.path ?? "$",
    isRoot: options.root ?? true,
    elementsAreRoots: options.elementsAreRoots ?? false,
  });
}

/** Compares collection contents for `outcome`: same count, equal documents, key order ignored. */
export function describeOutcomeMismatch(
  expected: unknown[],
  actual: unknown[],
  options: { lenient?: boolean; path?: string } = {},
): string | undefined {
  const path = options.path ?? "$";
  if (expected.length !== actual.length) {
    return `${path}: expected ${expected.length} documents, got ${actual.length}: ${formatValue(actual)}`;
  }
  const rules = options.lenient ? NODE_OUTCOME_RULES : OUTCOME_RULES;
  for (let i = 0; i < expected.length; i++) {
    const failure = matchValue(expected[i], actual[i], { rules, path: `${path}[${i}]`, isRoot: true, elementsAreRoots: false });
    if (failure) return failure;
  }
  return undefined;
}

/** Converts Maps (the driver's encoding of `sort` and index keys) into plain documents, recursively. */
export function toPlainDocument(value: unknown): unknown {
  if (value instanceof Map) {
    return Object.fromEntries([...value].map(([key, item]) => [String(key), toPlainDocument(item)]));
  }
  if (Array.isArray(value)) return value.map(toPlainDocument);
  if (isDocument(value)) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, toPlainDocument(item)]));
  }
  return value;
}

function matchValue(expected: unknown, actual: unknown, ctx: Context): string | undefined {
  if (actual instanceof Map) actual = toPlainDocument(actual);
  if (ctx.rules.operators && isOperator(expected, ctx.rules)) return matchOperator(expected, actual, ctx);
  if (Array.isArray(expected)) return matchArray(expected, actual, ctx);
  if (isDocument(expected)) return matchDocument(expected, actual, ctx);
  return matchScalar(expected, actual, ctx.path, ctx.rules);
}

function matchDocument(expected: Record<string, unknown>, actual: unknown, ctx: Context): string | undefined {
  if (!isDocument(actual)) return `${ctx.path}: expected a document, got ${formatValue(actual)}`;
  for (const [key, expectedValue] of Object.entries(expected)) {
    const path = `${ctx.path}.${key}`;
    if (ctx.rules.operators && isOperator(expectedValue, ctx.rules)) {
      const set = isSet(actual, key, ctx.rules);
      if ("$$exists" in expectedValue) {
        if (expectedValue.$$exists === set) continue;
        return set
          ? `${path}: expected to be absent, got ${formatValue(actual[key])}`
          : `${path}: expected to exist, but it is absent`;
      }
      if ("$$unsetOrMatches" in expectedValue && !set) continue;
    }
    if (!hasKey(actual, key)) return `${path}: expected ${formatValue(expectedValue)}, but the key is absent`;
    const failure = matchValue(expectedValue, actual[key], { ...ctx, path, isRoot: false, elementsAreRoots: false });
    if (failure) return failure;
  }
  const extraKeysAllowed = ctx.isRoot ? ctx.rules.rootExtraKeys : ctx.rules.nestedExtraKeys;
  if (!extraKeysAllowed) {
    const extra = Object.keys(actual).filter((key) => !Object.hasOwn(expected, key) && hasKey(actual, key));
    if (extra.length > 0) {
      return `${ctx.path}: unexpected key${extra.length > 1 ? "s" : ""} ${extra.join(", ")} in ${formatValue(actual)}`;
    }
  }
  return undefined;
}

function matchArray(expected: unknown[], actual: unknown, ctx: Context): string | undefined {
  if (!Array.isArray(actual)) return `${ctx.path}: expected an array, got ${formatValue(actual)}`;
  if (ctx.rules.arrayLength && expected.length !== actual.length) {
    return `${ctx.path}: expected an array of ${expected.length} elements, got ${actual.length}: ${formatValue(actual)}`;
  }
  for (let i = 0; i < expected.length; i++) {
    const path = `${ctx.path}[${i}]`;
    const failure = matchValue(expected[i], actual[i], { ...ctx, path, isRoot: ctx.elementsAreRoots, elementsAreRoots: false });
    if (failure) return failure;
  }
  return undefined;
}

function matchOperator(expected: Record<string, unknown>, actual: unknown, ctx: Context): string | undefined {
  const absent = actual === undefined || (ctx.rules.nullIsAbsent && actual === null);
  if ("$$unsetOrMatches" in expected) {
    return absent ? undefined : matchValue(expected.$$unsetOrMatches, actual, ctx);
  }
  if ("$$exists" in expected) {
    if (expected.$$exists === !absent) return undefined;
    return absent ? `${ctx.path}: expected to exist, but it is absent` : `${ctx.path}: expected to be absent, got ${formatValue(actual)}`;
  }
  if ("$$type" in expected) {
    const names = ([] as unknown[]).concat(expected.$$type).map(String);
    if (actual !== undefined && names.some((name) => hasBsonType(actual, name, ctx.rules.anyNumberIsAnyNumericType))) return undefined;
    return `${ctx.path}: expected type ${names.join(" or ")}, got ${actual === undefined ? "(absent)" : `${describeType(actual)} ${formatValue(actual)}`}`;
  }
  if ("$$lte" in expected) {
    const limit = numericValue(expected.$$lte);
    const value = numericValue(actual);
    if (limit !== undefined && value !== undefined && value <= limit) return undefined;
    return `${ctx.path}: expected a number <= ${formatValue(expected.$$lte)}, got ${formatValue(actual)}`;
  }
  if ("$$matchAsRoot" in expected) {
    return matchValue(expected.$$matchAsRoot, actual, { ...ctx, isRoot: true });
  }
  if ("$$matchAsDocument" in expected) {
    if (typeof actual !== "string") return `${ctx.path}: expected an Extended JSON string, got ${formatValue(actual)}`;
    return matchValue(expected.$$matchAsDocument, EJSON.parse(actual, { relaxed: false }), { ...ctx, isRoot: false });
  }
  if ("$$matchesHexBytes" in expected) {
    const bytes = Buffer.from(String(expected.$$matchesHexBytes), "hex");
    const actualBytes = actual instanceof Uint8Array ? actual : hasBsonTag(actual, "Binary") ? (actual as { buffer: Uint8Array }).buffer : undefined;
    if (actualBytes && Buffer.compare(bytes, Buffer.from(actualBytes)) === 0) return undefined;
    return `${ctx.path}: expected bytes ${expected.$$matchesHexBytes}, got ${formatValue(actual)}`;
  }
  return `${ctx.path}: unsupported special operator ${Object.keys(expected).join(", ")}`;
}

function matchScalar(expected: unknown, actual: unknown, path: string, rules: Rules): string | undefined {
  const expectedNumber = numericValue(expected);
  const actualNumber = numericValue(actual);
  if (expectedNumber !== undefined || actualNumber !== undefined) {
    if (expectedNumber !== undefined && actualNumber !== undefined && numbersEqual(expectedNumber, actualNumber, rules)) return undefined;
    return mismatch(path, expected, actual);
  }
  if (expected === null || typeof expected !== "object" || actual === null || typeof actual !== "object") {
    return expected === actual ? undefined : mismatch(path, expected, actual);
  }
  if (expected instanceof Date || actual instanceof Date) {
    return expected instanceof Date && actual instanceof Date && expected.getTime() === actual.getTime() ? undefined : mismatch(path, expected, actual);
  }
  // Remaining BSON values (ObjectId, Binary, Decimal128, Timestamp, regexes, …) are equal when their
  // canonical Extended JSON forms are, which compares both type and value.
  return canonical(expected) === canonical(actual) ? undefined : mismatch(path, expected, actual);
}

function numbersEqual(a: number | bigint, b: number | bigint, rules: Rules): boolean {
  if (typeof a === "number" && typeof b === "number") {
    if (Number.isNaN(a) && Number.isNaN(b)) return true;
    return rules.signedZero ? Object.is(a, b) : a === b;
  }
  if (typeof a === "bigint" && typeof b === "bigint") return a === b;
  const [big, small] = typeof a === "bigint" ? [a, b as number] : [b as bigint, a as number];
  return Number.isInteger(small) && BigInt(small) === big;
}

function isOperator(value: unknown, rules: Rules): value is Record<string, unknown> {
  if (!isDocument(value)) return false;
  const keys = Object.keys(value);
  if (rules.operatorAnywhereInDocument) return keys.some((key) => KNOWN_OPERATORS.has(key));
  return keys.length === 1 && keys[0].startsWith("$$");
}

function isDocument(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  if (value instanceof Date || value instanceof RegExp || value instanceof Map || ArrayBuffer.isView(value)) return false;
  const tag = (value as { _bsontype?: unknown })._bsontype;
  return tag === undefined;
}

// A key holding `undefined` is absent: undefined is not a BSON value.
function hasKey(document: Record<string, unknown>, key: string): boolean {
  return Object.hasOwn(document, key) && document[key] !== undefined;
}

// What $$exists and $$unsetOrMatches see; the Node rules also count a null value as unset.
function isSet(document: Record<string, unknown>, key: string, rules: Rules): boolean {
  return hasKey(document, key) && !(rules.nullIsAbsent && document[key] === null);
}

function canonical(value: unknown): string {
  try {
    return EJSON.stringify(value as never, { relaxed: false });
  } catch {
    return String(value);
  }
}

function mismatch(path: string, expected: unknown, actual: unknown): string {
  return `${path}: expected ${formatValue(expected)}, got ${formatValue(actual)}`;
}

/** Short relaxed Extended JSON rendering of a value for failure messages. */
export function formatValue(value: unknown, limit = 300): string {
  if (value === undefined) return "(absent)";
  let text: string;
  try {
    text = EJSON.stringify(toPlainDocument(value) as never, { relaxed: true });
  } catch {
    text = String(value);
  }
  if (typeof value === "number" && Object.is(value, -0)) text = "-0";
  return text.length > limit ? `${text.slice(0, limit)}…` : text;
}
