/**
 * PATCH semantics (JSON Merge Patch, RFC 7396, over stored documents): objects merge field by
 * field, `null` removes a field, anything else (arrays included) replaces the old value.
 */
import { ObjectId } from "mongodb";

type Doc = Record<string, unknown>;

export function applyMergePatch(target: Doc, patch: Doc): Doc {
  const result: Doc = { ...target };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    if (value === null) delete result[key];
    else if (isPlainObject(value) && isPlainObject(result[key])) result[key] = applyMergePatch(result[key] as Doc, value);
    else if (isPlainObject(value)) result[key] = applyMergePatch({}, value);
    else result[key] = value;
  }
  return result;
}

/** A subdocument, as opposed to an array, a date, an ObjectId or another BSON value. */
export const isPlainObject = (value: unknown): value is Doc =>
  typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date) && !(value instanceof ObjectId) &&
  (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null);
