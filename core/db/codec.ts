/**
 * Stored documents -> API JSON: ObjectIds as 24-hex strings, dates as ISO 8601 UTC, BSON numbers
 * as JSON numbers (Decimal128 as its exact string), and secret fields left out wherever they sit.
 */
import { Binary, Decimal128, Double, Int32, Long, ObjectId } from "mongodb";

export function toApiValue(value: unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  if (value instanceof ObjectId) return value.toHexString();
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Decimal128) return value.toString();
  if (value instanceof Long) return value.toNumber();
  if (value instanceof Double || value instanceof Int32) return value.valueOf();
  if (value instanceof Binary) return value.toString("base64");
  if (Array.isArray(value)) return value.map(toApiValue);
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, toApiValue(item)]));
}

/** A copy of `doc` without the values at `paths` (dotted; through arrays of subdocuments too). */
export function withoutPaths(doc: Record<string, unknown>, paths: string[]): Record<string, unknown> {
  if (paths.length === 0) return doc;
  const copy: Record<string, unknown> = { ...doc };
  const nested = new Map<string, string[]>();
  for (const path of paths) {
    const [head, ...rest] = path.split(".");
    if (rest.length === 0) delete copy[head];
    else nested.set(head, [...(nested.get(head) ?? []), rest.join(".")]);
  }
  for (const [head, rest] of nested) {
    const child = copy[head];
    if (Array.isArray(child)) copy[head] = child.map((item) => isDocument(item) ? withoutPaths(item, rest) : item);
    else if (isDocument(child)) copy[head] = withoutPaths(child, rest);
  }
  return copy;
}

const isDocument = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;
