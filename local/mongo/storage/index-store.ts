/**
 * One index: its specification and an ordered B-tree (sorted-btree) of key tuples, each entry
 * pointing at a document. Multikey fields produce one entry per array element, missing fields
 * index as null, and unique indexes refuse a second document under the same key.
 */
import { createRequire } from "node:module";
import type SortedBTreeModule from "sorted-btree";
import { canonicalOrder, compareValues, hashKeyOf, isPlainObject, MaxKey, MinKey } from "../bson-values.ts";
import { CommandError, ErrorCodes } from "../errors.ts";
import { compileFilter, type Predicate } from "../query/match.ts";
import { valuesAtPath, type Doc } from "../query/paths.ts";
import { isTextKey } from "../query/text-spec.ts";
import { GeoIndex } from "./geo-index.ts";
import { TextIndex } from "./text-index.ts";

// sorted-btree is CommonJS with its class on `exports.default`.
const BTree = (createRequire(import.meta.url)("sorted-btree") as typeof SortedBTreeModule).default;
type BTree<K, V> = InstanceType<typeof BTree<K, V>>;

export interface IndexSpec {
  v?: number;
  key: Record<string, unknown>;
  name: string;
  unique?: boolean;
  sparse?: boolean;
  partialFilterExpression?: Doc;
  expireAfterSeconds?: number;
  [option: string]: unknown;
}

/** A B-tree entry key: the indexed values, then the owning document's key to keep entries distinct. */
type EntryKey = { values: unknown[]; docKey: string };

const EMPTY_ARRAY_KEY = new MinKey();

export class IndexStore {
  readonly spec: IndexSpec;
  readonly fields: string[];
  readonly directions: number[];
  multikey = false;
  private readonly partial?: Predicate;
  private readonly tree: BTree<EntryKey, true>;
  private readonly keysByDoc = new Map<string, EntryKey[]>();
  /** A 2dsphere or text index keeps its entries in its own structure instead of the B-tree. */
  readonly geo?: GeoIndex;
  readonly text?: TextIndex;

  constructor(spec: IndexSpec) {
    this.spec = spec;
    this.fields = Object.keys(spec.key);
    this.directions = this.fields.map((field) => (spec.key[field] === -1 ? -1 : 1));
    if (spec.partialFilterExpression) this.partial = compileFilter(spec.partialFilterExpression);
    this.tree = new BTree<EntryKey, true>(undefined, (a, b) => this.compareEntries(a, b));
    if (isTextKey(spec.key)) this.text = new TextIndex(spec);
    else if (Object.values(spec.key).includes("2dsphere")) this.geo = new GeoIndex(spec);
  }

  get name(): string {
    return this.spec.name;
  }

  get isOrderedPlain(): boolean {
    return this.fields.every((_, i) => typeof this.spec.key[this.fields[i]] === "number");
  }

  private compareEntries(a: EntryKey, b: EntryKey): number {
    for (let i = 0; i < a.values.length; i++) {
      const order = compareValues(a.values[i], b.values[i]);
      if (order !== 0) return order * this.directions[i];
    }
    return a.docKey < b.docKey ? -1 : a.docKey > b.docKey ? 1 : 0;
  }

  /** The key tuples a document contributes; none when sparse/partial rules leave it out. */
  keysFor(doc: Doc): unknown[][] {
    if (this.partial && !this.partial(doc)) return [];
    const special = this.geo ?? this.text;
    if (special) return special.keysFor(doc);
    const perField = this.fields.map((field) => {
      const values = valuesAtPath(doc, field);
      const keys: unknown[] = [];
      for (const value of values) {
        if (Array.isArray(value)) {
          if (value.length === 0) keys.push(EMPTY_ARRAY_KEY);
          else keys.push(...value);
        } else keys.push(value === undefined ? null : value);
      }
      return dedupe(keys);
    });
    if (this.spec.sparse && perField.every((keys, i) => keys.length === 1 && keys[0] === null && valuesAtPath(doc, this.fields[i]).every((v) => v === undefined))) {
      return [];
    }
    const arrayFields = perField.filter((keys, i) => keys.length > 1 || valuesAtPath(doc, this.fields[i]).some(Array.isArray));
    if (arrayFields.length > 1) {
      throw new CommandError(171, `cannot index parallel arrays [${this.fields.join("] [")}]`);
    }
    return cartesian(perField);
  }

  /** Throws DuplicateKey if another document already holds one of `keys` in a unique index. */
  checkUnique(keys: unknown[][], docKey: string, namespace: string): void {
    if (!this.spec.unique) return;
    for (const values of keys) {
      const existing = this.findExact(values);
      if (existing !== undefined && existing !== docKey) throw this.duplicateKeyError(values, namespace);
    }
  }

  duplicateKeyError(values: unknown[], namespace: string): CommandError {
    const keyValue: Doc = {};
    const keyPattern: Doc = {};
    this.fields.forEach((field, i) => {
      keyValue[field] = values[i] === EMPTY_ARRAY_KEY ? undefined : values[i];
      keyPattern[field] = this.spec.key[field];
    });
    const shown = this.fields.map((f, i) => `${f}: ${describe(values[i])}`).join(", ");
    return new CommandError(
      ErrorCodes.DuplicateKey,
      `E11000 duplicate key error collection: ${namespace} index: ${this.name} dup key: { ${shown} }`,
      { keyPattern, keyValue },
    );
  }

  private findExact(values: unknown[]): string | undefined {
    const probe = this.tree.nextHigherPair({ values, docKey: "" });
    if (!probe) {
      const exact = this.tree.get({ values, docKey: "" });
      return exact ? "" : undefined;
    }
    const [entry] = probe;
    return entry.values.every((v, i) => compareValues(v, values[i]) === 0) ? entry.docKey : undefined;
  }

  add(docKey: string, keys: unknown[][]): void {
    const special = this.geo ?? this.text;
    if (special) return special.add(docKey, keys);
    const entries = keys.map((values) => ({ values, docKey }));
    if (keys.length > 1) this.multikey = true;
    for (const entry of entries) this.tree.set(entry, true);
    this.keysByDoc.set(docKey, entries);
  }

  remove(docKey: string): void {
    (this.geo ?? this.text)?.remove(docKey);
    for (const entry of this.keysByDoc.get(docKey) ?? []) this.tree.delete(entry);
    this.keysByDoc.delete(docKey);
  }

  clear(): void {
    (this.geo ?? this.text)?.clear();
    this.tree.clear();
    this.keysByDoc.clear();
  }

  get entryCount(): number {
    const special = this.geo ?? this.text;
    if (special) return special.entryCount;
    return this.tree.size;
  }

  /**
   * Document keys whose first indexed value lies in [low, high] (either bound optional), in
   * index order. Values of other types than the bound's are not visited.
   */
  /** Every document key once, in index order or reversed: a walk that hands out documents sorted. */
  *scanAll(reverse = false): Generator<string> {
    const seen = new Set<string>();
    for (const [entry] of reverse ? this.tree.entriesReversed() : this.tree.entries()) {
      if (seen.has(entry.docKey)) continue;
      seen.add(entry.docKey);
      yield entry.docKey;
    }
  }

  *scanFirstField(low: { value: unknown; inclusive: boolean } | undefined, high: { value: unknown; inclusive: boolean } | undefined): Generator<string> {
    const seen = new Set<string>();
    const start = low ?? high;
    if (!start) return;
    // Entries are ordered by the first field's direction; walk from the low end of the range.
    const ascending = this.directions[0] === 1;
    const from = ascending ? low : high;
    const lowestKey = from
      ? { values: [from.value, ...this.directions.slice(1).map((d) => (d === 1 ? new MinKey() : new MaxKey()))], docKey: "" }
      : undefined;
    const bracket = canonicalOrder(start.value);
    const iterator = ascending || !from ? this.tree.entries(lowestKey) : this.tree.entries(undefined);
    for (const [entry] of iterator) {
      const value = entry.values[0];
      const valueBracket = canonicalOrder(value);
      if (valueBracket !== bracket) {
        if ((ascending && valueBracket > bracket) || (!ascending && valueBracket < bracket)) break;
        continue;
      }
      if (low) {
        const order = compareValues(value, low.value);
        if (order < 0 || (order === 0 && !low.inclusive)) {
          if (ascending) continue;
          break;
        }
      }
      if (high) {
        const order = compareValues(value, high.value);
        if (order > 0 || (order === 0 && !high.inclusive)) {
          if (ascending) break;
          continue;
        }
      }
      if (!seen.has(entry.docKey)) {
        seen.add(entry.docKey);
        yield entry.docKey;
      }
    }
  }
}

function dedupe(values: unknown[]): unknown[] {
  const seen = new Map<string, unknown>();
  for (const value of values) seen.set(hashKeyOf(value), value);
  return [...seen.values()];
}

function cartesian(lists: unknown[][]): unknown[][] {
  return lists.reduce<unknown[][]>((acc, list) => acc.flatMap((prefix) => list.map((v) => [...prefix, v])), [[]]);
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "string") return JSON.stringify(value);
  if (isPlainObject(value) || Array.isArray(value)) return JSON.stringify(value);
  const hex = (value as { toHexString?: () => string }).toHexString?.();
  if (hex) return `ObjectId('${hex}')`;
  return String(value);
}
