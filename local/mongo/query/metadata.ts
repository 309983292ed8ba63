/**
 * Document metadata, as `{ $meta: … }` reads it: the textScore of a `$text` match, the
 * vectorSearchScore of `$vectorSearch`, the distance and point of `$geoNear`. Documents a find
 * returns carry it under a symbol (never serialized); in a pipeline, where stages copy documents
 * field by field, it travels in a reserved field that the pipeline removes from its results.
 */
import { CommandError } from "../errors.ts";
import type { Doc } from "./paths.ts";

export interface Metadata {
  textScore?: number;
  vectorSearchScore?: number;
  geoNearDistance?: number;
  geoNearPoint?: unknown;
}

export const META = Symbol("metadata");
export const META_FIELD = "__standInMetadata";

/** A shallow copy of `doc` carrying `metadata` (added to what it carried). */
export function withMetadata<T extends Doc>(doc: T, metadata: Metadata): T {
  const copy = { ...doc } as T;
  delete (copy as Doc)[META_FIELD];
  Object.defineProperty(copy, META, { value: { ...metadataOf(doc), ...metadata }, enumerable: false });
  return copy;
}

export function metadataOf(doc: unknown): Metadata | undefined {
  if (typeof doc !== "object" || doc === null) return undefined;
  return ((doc as Record<symbol, unknown>)[META] ?? (doc as Doc)[META_FIELD]) as Metadata | undefined;
}

/** The `$meta` arguments the server knows; those the stand-in never produces read as missing. */
const KNOWN = new Set([
  "textScore", "randVal", "searchScore", "searchHighlights", "geoNearDistance", "geoNearPoint", "recordId", "indexKey",
  "sortKey", "searchScoreDetails", "vectorSearchScore", "searchSequenceToken", "score", "scoreDetails",
]);

export const textScoreUnavailable = () => new CommandError(40218, "query requires text score metadata, but it is not available");

export function checkMetaName(name: unknown): string {
  if (typeof name !== "string" || !KNOWN.has(name)) throw new CommandError(17308, `Unsupported argument to $meta: ${typeof name === "string" ? name : JSON.stringify(name)}`);
  return name;
}

/** `{ $meta: name }` for one document. */
export function metaValue(doc: unknown, name: unknown): unknown {
  const known = checkMetaName(name);
  if (known === "randVal") return Math.random();
  const value = (metadataOf(doc) as Record<string, unknown> | undefined)?.[known];
  if (value === undefined && known === "textScore") throw textScoreUnavailable();
  return value;
}
