/**
 * Choosing how to read a collection for a filter: a usable index turns an equality, `$in` or
 * range condition on its first field into a bounded B-tree scan, so such lookups do not scan
 * the collection; `$near` and `$text` use their 2dsphere and text indexes (`special-plans.ts`).
 * Whatever the plan, every candidate is still checked against the full filter.
 */
import { bsonTypeOf, hashKeyOf, isPlainObject } from "../bson-values.ts";
import { CommandError, ErrorCodes } from "../errors.ts";
import type { Doc } from "../query/paths.ts";
import type { CollectionStore } from "./collection-store.ts";
import type { IndexStore } from "./index-store.ts";
import { specialPlan } from "./special-plans.ts";

export interface Plan {
  /** Name of the index used, or null for a collection scan. */
  index: string | null;
  candidates: Iterable<Doc>;
  /** How the candidates are read, as `explain` shows it: `COLLSCAN`, `IXSCAN` with its bounds, … */
  access: Doc;
  /** The candidates come out in the requested sort order (an index walk), so no SORT is needed. */
  providesSort?: boolean;
}

type Bound = { value: unknown; inclusive: boolean };
interface Range { low?: Bound; high?: Bound; points?: unknown[] }

/** The index a `hint` names (by name or by key pattern); an unknown hint is a BadValue error. */
export function hintedIndex(collection: CollectionStore, hint: unknown): IndexStore | undefined {
  if (hint === undefined || hint === null) return undefined;
  if (typeof hint === "string") {
    const index = collection.indexes.get(hint);
    if (index) return index;
  } else if (isPlainObject(hint)) {
    if (Object.keys(hint).length === 0) return undefined;
    const wanted = JSON.stringify(hint);
    for (const index of collection.indexes.values()) if (JSON.stringify(index.spec.key) === wanted) return index;
    if (wanted === '{"$natural":1}' || wanted === '{"$natural":-1}') return undefined;
  }
  throw new CommandError(ErrorCodes.BadValue, "error processing query: planner returned error :: caused by :: hint provided does not correspond to an existing index");
}

export function planQuery(collection: CollectionStore, filter: Doc, options: { hint?: unknown; collation?: Doc; sort?: Doc } = {}): Plan {
  // `$near` and `$text` can only be answered from their own kind of index.
  const special = specialPlan(collection, filter, options.hint);
  if (special) return special;
  const hinted = hintedIndex(collection, options.hint);
  const scan = (): Plan => ({ index: null, candidates: collection.docs.values(), access: { stage: "COLLSCAN", direction: "forward" } });
  // A hinted index that cannot bound the query is read whole, in index order.
  const wholeIndex = (index: IndexStore): Plan => ({ index: index.name, candidates: collection.docs.values(), access: indexScan(index, undefined) });
  if (options.collation && options.collation.locale !== "simple") return hinted ? wholeIndex(hinted) : scan();
  const idRange = rangeFor(filter._id);
  const idIndex = collection.indexes.get("_id_");
  if (idRange?.points && !hinted && idIndex) {
    const docs = idRange.points.map((id) => collection.docs.get(hashKeyOf(id))).filter((d): d is Doc => d !== undefined);
    return { index: "_id_", candidates: docs, access: indexScan(idIndex, idRange) };
  }
  const candidates = hinted ? [hinted] : [...collection.indexes.values()];
  for (const index of candidates) {
    if (!isPlannable(index)) continue;
    const range = rangeFor(filter[index.fields[0]]);
    if (!range) continue;
    return { index: index.name, candidates: fetch(collection, index, range), access: indexScan(index, range) };
  }
  if (!hinted && options.sort) {
    const ordered = sortedWalk(collection, options.sort);
    if (ordered) return ordered;
  }
  return hinted ? wholeIndex(hinted) : scan();
}

/**
 * With no index to bound the filter, an index whose key pattern begins with the sort pattern
 * (all directions as given, or all reversed) hands out documents already sorted, as mongod's
 * planner does. Inside a transaction the view appends its own changes, so the order is not kept.
 */
function sortedWalk(collection: CollectionStore, sort: Doc): Plan | undefined {
  const sortFields = Object.keys(sort);
  if (sortFields.length === 0 || sortFields.some((field) => typeof sort[field] !== "number")) return undefined;
  for (const index of collection.indexes.values()) {
    if (!isPlannable(index) || index.multikey || index.fields.length < sortFields.length) continue;
    const matches = sortFields.every((field, i) => index.fields[i] === field);
    if (!matches) continue;
    const same = sortFields.every((field) => Math.sign(Number(sort[field])) === Math.sign(Number(index.spec.key[field])));
    const reversed = sortFields.every((field) => Math.sign(Number(sort[field])) === -Math.sign(Number(index.spec.key[field])));
    if (!same && !reversed) continue;
    const docKeys = index.scanAll(reversed);
    return {
      index: index.name,
      candidates: (function* () {
        // A transaction's view appends the documents it sees differently: each once.
        const seen = new Set<string>();
        for (const docKey of docKeys) {
          if (seen.has(docKey)) continue;
          seen.add(docKey);
          const doc = collection.docs.get(docKey);
          if (doc) yield doc;
        }
      })(),
      access: { ...indexScan(index, undefined), direction: reversed ? "backward" : "forward" },
      providesSort: collection.docs instanceof Map,
    };
  }
  return undefined;
}

/** An `IXSCAN` stage as the server describes it, with the bounds on the index's first field. */
function indexScan(index: IndexStore, range: Range | undefined): Doc {
  const [first, ...others] = index.fields;
  const bounds: Doc = { [first]: range ? boundsText(range) : ["[MinKey, MaxKey]"] };
  for (const field of others) bounds[field] = ["[MinKey, MaxKey]"];
  return {
    stage: "IXSCAN",
    keyPattern: index.spec.key,
    indexName: index.name,
    isMultiKey: index.multikey,
    isUnique: index.spec.unique === true,
    isSparse: index.spec.sparse === true,
    isPartial: index.spec.partialFilterExpression !== undefined,
    direction: "forward",
    indexBounds: bounds,
  };
}

function boundsText(range: Range): string[] {
  const text = (value: unknown) => (typeof value === "string" ? JSON.stringify(value) : value instanceof Date ? `new Date(${value.getTime()})` : String(value));
  if (range.points) return range.points.map((value) => `[${text(value)}, ${text(value)}]`);
  const low = range.low ? `${range.low.inclusive ? "[" : "("}${text(range.low.value)}` : "[MinKey";
  const high = range.high ? `${text(range.high.value)}${range.high.inclusive ? "]" : ")"}` : "MaxKey]";
  return [`${low}, ${high}`];
}

/** Sparse and partial indexes leave documents out, so they cannot stand in for a scan. */
const isPlannable = (index: IndexStore): boolean =>
  !index.spec.sparse && !index.spec.partialFilterExpression && index.isOrderedPlain;

function* fetch(collection: CollectionStore, index: IndexStore, range: Range): Generator<Doc> {
  const seen = new Set<string>();
  const scans = range.points
    ? range.points.map((value) => index.scanFirstField({ value, inclusive: true }, { value, inclusive: true }))
    : [index.multikey && range.low ? index.scanFirstField(range.low, undefined) : index.scanFirstField(range.low, range.high)];
  for (const scan of scans) {
    for (const docKey of scan) {
      if (seen.has(docKey)) continue;
      seen.add(docKey);
      const doc = collection.docs.get(docKey);
      if (doc) yield doc;
    }
  }
}

/** Index bounds for a condition on one field, or undefined when the index cannot help. */
function rangeFor(condition: unknown): Range | undefined {
  if (condition === undefined) return undefined;
  if (!isOperatorDocument(condition)) return isIndexableValue(condition) ? { points: [condition] } : undefined;
  const range: Range = {};
  for (const [operator, value] of Object.entries(condition)) {
    switch (operator) {
      case "$eq":
        if (!isIndexableValue(value)) return undefined;
        return { points: [value] };
      case "$in":
        if (!Array.isArray(value) || !value.every(isIndexableValue)) return undefined;
        return { points: value };
      case "$gt":
      case "$gte":
        if (!isIndexableValue(value) || range.low) continue;
        range.low = { value, inclusive: operator === "$gte" };
        break;
      case "$lt":
      case "$lte":
        if (!isIndexableValue(value) || range.high) continue;
        range.high = { value, inclusive: operator === "$lte" };
        break;
    }
  }
  // On a multikey index two bounds may be met by different elements, so `fetch` then uses one.
  return range.low || range.high ? range : undefined;
}

const isOperatorDocument = (value: unknown): value is Doc =>
  isPlainObject(value) && Object.keys(value).length > 0 && Object.keys(value)[0].startsWith("$");

/** Values whose index entries are exactly the documents that match them (null also matches missing and arrays hold elements). */
function isIndexableValue(value: unknown): boolean {
  const type = bsonTypeOf(value);
  return type !== "null" && type !== "missing" && type !== "array" && type !== "regex" && type !== "object" && type !== "minKey" && type !== "maxKey";
}
