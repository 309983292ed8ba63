/**
 * Update paths and the document surgery behind them: splitting and checking a path the way the
 * server's FieldRef and field_checker do, walking to a child element, creating the missing tail
 * of a path (padding arrays with nulls), and the copy/identity helpers leaves rely on.
 */
import { bsonTypeOf, isPlainObject } from "../bson-values.ts";
import { CommandError, ErrorCodes, badValue } from "../errors.ts";
import { formatElement } from "./format.ts";
import type { Container, Cursor, Doc, Element } from "./types.ts";

// Codes errors.ts does not name yet; codeNameOf renders them as Location<n>.
export const EMPTY_FIELD_NAME = 56;
export const CANNOT_BACKFILL_ARRAY = 34;
const MAX_PADDING = 1_500_000;

export const isPositionalPart = (part: string): boolean => part === "$";
export const isArrayFilterPart = (part: string): boolean =>
  part.length >= 3 && part.startsWith("$[") && part.endsWith("]");

/** A path part that addresses an array element; the server accepts leading zeros. */
export function arrayIndexOf(part: string): number | undefined {
  if (!/^[0-9]+$/.test(part)) return undefined;
  const index = Number(part);
  return Number.isSafeInteger(index) ? index : undefined;
}

/** fieldchecker::isUpdatable plus the positional rules of UpdateObjectNode::parseAndMerge. */
export function parseUpdatePath(path: string): string[] {
  if (path === "") throw new CommandError(EMPTY_FIELD_NAME, "An empty update path is not valid.");
  const parts = path.split(".");
  if (parts.some((part) => part === "")) {
    throw new CommandError(
      EMPTY_FIELD_NAME,
      `The update path '${path}' contains an empty field name, which is not allowed.`,
    );
  }
  const positional = parts.filter(isPositionalPart).length;
  if (positional > 1) throw badValue(`Too many positional (i.e. '$') elements found in path '${path}'`);
  if (positional === 1 && isPositionalPart(parts[0])) {
    throw badValue(`Cannot have positional (i.e. '$') element in the first position in path '${path}'`);
  }
  return parts;
}

/**
 * The order children of a node are applied in (pathsupport::cmpPathsAndArrayIndexes): plain
 * strings byte-wise, numbers (without leading zeros) numerically. It decides where new fields
 * land in the document, so `{$set: {b: 1, a: 1}}` appends `a` before `b` as the server does.
 */
export function comparePathParts(a: string, b: string): number {
  if (a === b) return 0;
  return lessPart(a, b) ? -1 : 1;
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= "0" && c <= "9";

function lessPart(a: string, b: string): boolean {
  if (a.length === 0 || b.length === 0 || !isDigit(a[0]) || !isDigit(b[0]) ||
    (a[0] === "0" && a.length > 1) || (b[0] === "0" && b.length > 1)) {
    return a < b;
  }
  if (a.length !== b.length) return a.length < b.length;
  for (let i = 0; i < a.length && isDigit(a[i]) && isDigit(b[i]); i++) {
    if (a[i] !== b[i]) return a[i] < b[i];
  }
  return a < b;
}

export const isContainer = (value: unknown): value is Container => Array.isArray(value) || isPlainObject(value);

/** Assigns without tripping over `__proto__`, which is an ordinary field name in BSON. */
export function setOwn(target: Doc, key: string, value: unknown): void {
  if (key === "__proto__") Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  else target[key] = value;
}

/** The named child of an element, or undefined when it does not exist (mutable bson's `elem[name]`). */
export function childOf(element: Element, part: string): Element | undefined {
  const value = element.value;
  if (Array.isArray(value)) {
    const index = arrayIndexOf(part);
    return index !== undefined && index < value.length ? { value: value[index], parent: value, key: index } : undefined;
  }
  if (isPlainObject(value) && Object.hasOwn(value, part)) return { value: value[part], parent: value, key: part };
  return undefined;
}

export const nameOf = (element: Element): string => (element.key === undefined ? "" : String(element.key));
export const describe = (element: Element): string => formatElement(nameOf(element), element.value);

export function replaceValue(element: Element, value: unknown): void {
  const parent = element.parent;
  if (Array.isArray(parent)) parent[element.key as number] = value;
  else if (parent) setOwn(parent, element.key as string, value);
  element.value = value;
}

/** `$unset` semantics: array elements become null, fields disappear. */
export function removeElement(element: Element): void {
  const parent = element.parent;
  if (Array.isArray(parent)) parent[element.key as number] = null;
  else if (parent) delete parent[element.key as string];
}

/**
 * pathsupport::createPathAt: builds `parts` under `element`, which must be a document or an
 * array (a numeric first part then extends it, padding with nulls). Returns the first element
 * created, which is what storage validation looks at.
 */
export function createPathAt(parts: string[], element: Element, value: unknown): Element {
  const container = element.value;
  const notViable = () =>
    new CommandError(ErrorCodes.PathNotViable, `Cannot create field '${parts[0]}' in element {${describe(element)}}`);
  if (!isContainer(container)) throw notViable();
  let built = value;
  for (let i = parts.length - 1; i >= 1; i--) {
    const level: Doc = {};
    setOwn(level, parts[i], built);
    built = level;
  }
  if (Array.isArray(container)) {
    const index = arrayIndexOf(parts[0]);
    if (index === undefined) throw notViable();
    if (index - container.length > MAX_PADDING) {
      throw new CommandError(CANNOT_BACKFILL_ARRAY, `can't backfill more than ${MAX_PADDING} elements`);
    }
    while (container.length < index) container.push(null);
    container.push(built);
    return { value: built, parent: container, key: container.length - 1 };
  }
  setOwn(container, parts[0], built);
  return { value: built, parent: container, key: parts[0] };
}

/** UpdateLeafNode::checkViability, for leaves that never create paths ($pull, $pop). */
export function checkViability(element: Element, cursor: Cursor): void {
  const first = cursor.pathToCreate[0];
  if (isPlainObject(element.value)) return;
  if (Array.isArray(element.value) && arrayIndexOf(first) !== undefined) return;
  throw new CommandError(
    ErrorCodes.PathNotViable,
    `Cannot use the part (${first}) of (${cursor.pathTaken.join(".")}.${cursor.pathToCreate.join(".")}) ` +
      `to traverse the element ({${describe(element)}})`,
  );
}

/** Copies what an update may later mutate in place; BSON value classes are immutable and shared. */
export function cloneValue<T>(value: T): T {
  if (Array.isArray(value)) return value.map(cloneValue) as T;
  if (value instanceof Date) return new Date(value.getTime()) as T;
  if (value !== null && typeof value === "object") {
    const proto = Object.getPrototypeOf(value);
    if (proto === Object.prototype || proto === null) {
      const copy: Doc = {};
      for (const key of Object.keys(value)) setOwn(copy, key, cloneValue((value as Doc)[key]));
      return copy as T;
    }
  }
  return value;
}

/**
 * BSONElement::binaryEqualValues: same BSON type and same bytes. Unlike valuesEqual, `1` and
 * `Long(1)` differ, as do `{a, b}` and `{b, a}` — the test `$set` uses to report a no-op.
 */
export function identical(a: unknown, b: unknown): boolean {
  const type = bsonTypeOf(a);
  if (type !== bsonTypeOf(b)) return false;
  switch (type) {
    case "int":
    case "double": return Object.is(Number(a), Number(b));
    case "long":
    case "decimal":
    case "objectId": return String(a) === String(b);
    case "date": return Object.is((a as Date).getTime(), (b as Date).getTime());
    case "array": {
      const x = a as unknown[];
      const y = b as unknown[];
      return x.length === y.length && x.every((item, i) => identical(item, y[i]));
    }
    case "object": {
      if (!isPlainObject(a) || !isPlainObject(b)) return JSON.stringify(a) === JSON.stringify(b);
      const keysA = Object.keys(a);
      const keysB = Object.keys(b);
      return keysA.length === keysB.length &&
        keysA.every((key, i) => key === keysB[i] && identical(a[key], b[key]));
    }
    case "binData": return binaryKey(a) === binaryKey(b);
    case "regex": return regexKey(a) === regexKey(b);
    case "timestamp": return String(a) === String(b);
    case "javascript":
    case "javascriptWithScope": return String((a as { code: unknown }).code) === String((b as { code: unknown }).code) &&
      identical((a as { scope?: unknown }).scope ?? null, (b as { scope?: unknown }).scope ?? null);
    case "symbol": return String((a as { value: unknown }).value) === String((b as { value: unknown }).value);
    case "string":
    case "bool": return a === b;
  }
  return true;
}

function binaryKey(value: unknown): string {
  if (value instanceof Uint8Array) return `0:${Buffer.from(value).toString("hex")}`;
  const binary = value as { sub_type: number; buffer: Uint8Array; position: number };
  return `${binary.sub_type}:${Buffer.from(binary.buffer.subarray(0, binary.position)).toString("hex")}`;
}

function regexKey(value: unknown): string {
  const regex = value as { source?: string; flags?: string; pattern?: string; options?: string };
  return value instanceof RegExp ? `${regex.source}/${regex.flags}` : `${regex.pattern}/${regex.options}`;
}
