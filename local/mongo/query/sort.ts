/**
 * Sorting as MongoDB sorts: an array field sorts by its smallest element ascending and its
 * largest descending, missing sorts as null, an empty array below null; ties keep natural order.
 */
import { compareValues, isPlainObject, MinKey } from "../bson-values.ts";
import { badValue } from "../errors.ts";
import { stringComparerFor, type Collation } from "./collation.ts";
import { checkMetaName, metaValue } from "./metadata.ts";
import { valuesAtPath, type Doc } from "./paths.ts";

export type SortSpec = Record<string, unknown>;

const EMPTY_ARRAY = new MinKey();

interface SortKey {
  path: string;
  direction: 1 | -1;
  /** `{ $meta: "textScore" }` and the like: the document's metadata, highest first. */
  meta?: string;
}

export function parseSort(spec: SortSpec): SortKey[] {
  if (!isPlainObject(spec)) throw badValue("sort must be an object");
  return Object.entries(spec).map(([path, direction]) => {
    if (isPlainObject(direction) && "$meta" in direction) return { path, direction: -1 as const, meta: checkMetaName(direction.$meta) };
    const n = Number(typeof direction === "object" && direction !== null ? (direction as { valueOf(): unknown }).valueOf() : direction);
    if (n !== 1 && n !== -1) throw badValue(`$sort key ordering must be 1 (for ascending) or -1 (for descending)`);
    return { path, direction: n };
  });
}

function sortValue(doc: Doc, key: SortKey, compare: (a: unknown, b: unknown) => number): unknown {
  if (key.meta) return metaValue(doc, key.meta) ?? null;
  let best: unknown;
  let first = true;
  for (const value of valuesAtPath(doc, key.path)) {
    const candidates = Array.isArray(value) ? (value.length ? value : [EMPTY_ARRAY]) : [value === undefined ? null : value];
    for (const candidate of candidates) {
      if (first || compare(candidate, best) * key.direction < 0) best = candidate;
      first = false;
    }
  }
  return first ? null : best;
}

/** Sorts documents in a new array; the sort keys are computed once per document. */
export function sortDocuments<T extends Doc>(docs: T[], spec: SortSpec, collation?: Collation): T[] {
  const keys = parseSort(spec);
  if (keys.length === 0) return docs.slice();
  const strings = stringComparerFor(collation);
  const compare = (a: unknown, b: unknown) => compareValues(a, b, strings);
  const decorated = docs.map((doc) => ({ doc, values: keys.map((key) => sortValue(doc, key, compare)) }));
  decorated.sort((a, b) => {
    for (let i = 0; i < keys.length; i++) {
      const order = compare(a.values[i], b.values[i]);
      if (order !== 0) return order * keys[i].direction;
    }
    return 0;
  });
  return decorated.map((entry) => entry.doc);
}
