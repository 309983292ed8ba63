/**
 * Resolving a dotted path the way MongoDB's matcher does: every array met on the way fans out
 * over its elements, a numeric part may also index an array, and a branch that finds nothing
 * yields `undefined` (missing), which `null` equality and `$exists` need to see.
 */
import { isPlainObject } from "../bson-values.ts";

export type Doc = Record<string, unknown>;

const isIndex = (part: string): boolean => /^\d+$/.test(part);

/** The values a path reaches; arrays at the end are returned whole (callers expand them). */
export function valuesAtPath(doc: unknown, path: string): unknown[] {
  const out: unknown[] = [];
  collect(doc, path.split("."), 0, out);
  return out;
}

function collect(value: unknown, parts: string[], i: number, out: unknown[]): void {
  if (i === parts.length) {
    out.push(value);
    return;
  }
  const part = parts[i];
  if (Array.isArray(value)) {
    let found = false;
    if (isIndex(part)) {
      const element = value[Number(part)];
      if (element !== undefined) {
        collect(element, parts, i + 1, out);
        found = true;
      }
    }
    for (const element of value) {
      if (isPlainObject(element)) {
        collect(element, parts, i, out);
        found = true;
      }
    }
    if (!found) out.push(undefined);
    return;
  }
  if (isPlainObject(value)) {
    collect(Object.hasOwn(value, part) ? value[part] : undefined, parts, i + 1, out);
    return;
  }
  out.push(undefined);
}

/** A single value at a path without array fan-out (for sort keys of plain documents, `_id`, …). */
export function getPath(doc: unknown, path: string): unknown {
  let value: unknown = doc;
  for (const part of path.split(".")) {
    if (Array.isArray(value) && isIndex(part)) value = value[Number(part)];
    else if (isPlainObject(value)) value = Object.hasOwn(value, part) ? value[part] : undefined;
    else return undefined;
    if (value === undefined) return undefined;
  }
  return value;
}

/** Sets a dotted path, creating intermediate documents (used for upsert seeds and $out). */
export function setPath(doc: Doc, path: string, value: unknown): void {
  const parts = path.split(".");
  let target: Doc = doc;
  for (const part of parts.slice(0, -1)) {
    if (!isPlainObject(target[part])) target[part] = {};
    target = target[part] as Doc;
  }
  target[parts[parts.length - 1]] = value;
}
