/**
 * What a list endpoint accepts (API.md): `limit` 1–100 (default 20), an opaque `cursor`, `sort`
 * on a whitelisted field (`-` for descending), and equality filters on whitelisted fields; any
 * other parameter is a 400. Filter values arrive as strings and are read with the field's own
 * input schema (a 24-hex id becomes an ObjectId, `"true"` a boolean, `"3"` a number).
 *
 * Cursors carry the last document's sort value and `_id` in Extended JSON (so dates and ids keep
 * their types) together with the sort they belong to, so a cursor is never reused with another.
 */
import { BSON, type Document } from "mongodb";
import * as z from "zod";
import type { CollectionDefinition } from "./collection.ts";
import { fieldAt, unwrap } from "./schema-paths.ts";

export interface SortSpec {
  field: string;
  direction: 1 | -1;
}

export interface ListQuery {
  limit: number;
  cursor?: string;
  sort: SortSpec;
  filters: Record<string, unknown>;
}

export const LIST_LIMIT = { default: 20, max: 100 };

export function parseSort(text: string): SortSpec {
  return text.startsWith("-") ? { field: text.slice(1), direction: -1 } : { field: text, direction: 1 };
}

export function defaultSortOf(definition: Pick<CollectionDefinition, "list">): SortSpec {
  return parseSort(definition.list?.defaultSort ?? "-_id");
}

/** The query-string schema of a collection's list endpoint; parses into a `ListQuery`. */
export function listQuerySchema(definition: CollectionDefinition): z.ZodType<ListQuery, Record<string, string>> {
  const sorts = definition.list?.sorts ?? [];
  const filters = definition.list?.filters ?? [];
  const shape: Record<string, z.ZodType> = {
    limit: z.coerce.number().int().min(1).max(LIST_LIMIT.max).default(LIST_LIMIT.default),
    cursor: z.string().min(1).optional(),
    sort: (sorts.length ? z.enum(sorts.flatMap((field) => [field, `-${field}`]) as [string, ...string[]]) : z.never()).optional(),
  };
  for (const field of filters) shape[field] = fromQueryString(fieldAt(definition.inputFields, field), field).optional();
  return z.strictObject(shape).transform(({ limit, cursor, sort, ...given }) => ({
    limit: limit as number,
    cursor: cursor as string | undefined,
    sort: sort ? parseSort(sort as string) : defaultSortOf(definition),
    filters: Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined)),
  })) as unknown as z.ZodType<ListQuery, Record<string, string>>;
}

/** A filter value's schema: the field's own (an array field is filtered by one element). */
function fromQueryString(field: z.ZodType | undefined, name: string): z.ZodType {
  if (!field) throw new Error(`list filter "${name}" is not a field of the collection`);
  let { inner } = unwrap(field);
  if (inner instanceof z.ZodArray) inner = unwrap(inner.element as z.ZodType).inner;
  if (inner instanceof z.ZodNumber) return z.coerce.number().pipe(inner);
  if (inner instanceof z.ZodBoolean) return z.enum(["true", "false"]).transform((text) => text === "true");
  return inner;
}

/**
 * The order a list reads in: the requested field, then `_id` to break ties, unless the field is
 * unique on its own (its single-field unique index then both orders and serves the list).
 */
export function listOrder(definition: Pick<CollectionDefinition, "indexes">, sort: SortSpec): Record<string, 1 | -1> {
  if (sort.field === "_id") return { _id: sort.direction };
  const unique = (definition.indexes ?? []).some((index) => index.unique && !index.partialFilterExpression && Object.keys(index.key).length === 1 && sort.field in index.key);
  return unique ? { [sort.field]: sort.direction } : { [sort.field]: sort.direction, _id: sort.direction };
}

export function encodeCursor(sort: SortSpec, last: Document): string {
  return Buffer.from(BSON.EJSON.stringify({ s: `${sort.direction === -1 ? "-" : ""}${sort.field}`, v: valueAt(last, sort.field) ?? null, id: last._id }, { relaxed: false })).toString("base64url");
}

/** The position a cursor stands for, or undefined when it is malformed or for another sort. */
export function decodeCursor(cursor: string, sort: SortSpec): { value: unknown; id: unknown } | undefined {
  try {
    const decoded = BSON.EJSON.parse(Buffer.from(cursor, "base64url").toString("utf8"), { relaxed: false }) as { s?: unknown; v?: unknown; id?: unknown };
    if (decoded.s !== `${sort.direction === -1 ? "-" : ""}${sort.field}` || decoded.id === undefined) return undefined;
    return { value: decoded.v, id: decoded.id };
  } catch {
    return undefined;
  }
}

/**
 * The filter for "after this position" in `sort` then `_id` order. MongoDB sorts null and
 * missing first, and `$gt: null` matches nothing, so a null position needs its own branches.
 */
export function afterPosition(sort: SortSpec, position: { value: unknown; id: unknown }): Document {
  const { field, direction } = sort;
  const beyond = direction === 1 ? "$gt" : "$lt";
  if (field === "_id") return { _id: { [beyond]: position.id } };
  const tie = { [field]: position.value, _id: { [beyond]: position.id } };
  if (position.value === null) {
    return direction === 1 ? { $or: [{ [field]: { $ne: null } }, tie] } : tie;
  }
  const later = direction === 1 ? { [field]: { $gt: position.value } } : { $or: [{ [field]: { $lt: position.value } }, { [field]: null }] };
  return { $or: [later, tie] };
}

export function valueAt(doc: Document, path: string): unknown {
  let current: unknown = doc;
  for (const segment of path.split(".")) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Document)[segment];
  }
  return current;
}
