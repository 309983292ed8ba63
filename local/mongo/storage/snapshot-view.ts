/**
 * A collection as one transaction sees it: its documents as of the transaction's snapshot, with
 * the transaction's own buffered writes over them. Both views stand in for the collection's own
 * `docs` map and `indexes` wherever commands and the planner read them.
 */
import type { Doc } from "../query/paths.ts";
import type { IndexStore } from "./index-store.ts";

/**
 * Read-only `Map` of a collection's documents: `current` (the live map) corrected by `atSnapshot`
 * (documents changed since, with what they held then; undefined: nothing) and by `own` (the
 * transaction's writes; null: removed). Natural order is kept, except that documents removed
 * since the snapshot come after the others, and the transaction's inserts last.
 */
export class SnapshotDocs {
  private readonly current: Map<string, Doc>;
  private readonly atSnapshot: Map<string, Doc | undefined>;
  private readonly own: Map<string, Doc | null>;

  constructor(current: Map<string, Doc>, atSnapshot: Map<string, Doc | undefined>, own: Map<string, Doc | null>) {
    this.current = current;
    this.atSnapshot = atSnapshot;
    this.own = own;
  }

  get(docKey: string): Doc | undefined {
    if (this.own.has(docKey)) return this.own.get(docKey) ?? undefined;
    if (this.atSnapshot.has(docKey)) return this.atSnapshot.get(docKey);
    return this.current.get(docKey);
  }

  has(docKey: string): boolean {
    return this.get(docKey) !== undefined;
  }

  get size(): number {
    let count = 0;
    for (const _ of this.keys()) count++;
    return count;
  }

  *entries(): IterableIterator<[string, Doc]> {
    for (const docKey of this.current.keys()) {
      const doc = this.get(docKey);
      if (doc) yield [docKey, doc];
    }
    for (const [docKey, doc] of this.atSnapshot) {
      if (doc && !this.current.has(docKey) && !this.own.has(docKey)) yield [docKey, doc];
    }
    for (const [docKey, doc] of this.own) {
      if (doc && !this.current.has(docKey) && !this.atSnapshot.has(docKey)) yield [docKey, doc];
    }
  }

  *keys(): IterableIterator<string> {
    for (const [docKey] of this.entries()) yield docKey;
  }

  *values(): IterableIterator<Doc> {
    for (const [, doc] of this.entries()) yield doc;
  }

  [Symbol.iterator](): IterableIterator<[string, Doc]> {
    return this.entries();
  }

  forEach(callback: (doc: Doc, docKey: string) => void): void {
    for (const [docKey, doc] of this.entries()) callback(doc, docKey);
  }
}

/**
 * The collection's indexes, as the planner reads them for a snapshot view. An index holds the
 * live documents, so each of its scans is followed by the keys of every document the view shows
 * differently (`differing`): the planner fetches candidates from the view and checks each one
 * against the whole filter, so an extra candidate costs a check and a missing one a wrong result.
 */
export function snapshotIndexes(indexes: Map<string, IndexStore>, differing: () => Iterable<string>): Map<string, IndexStore> {
  const views = new Map<string, IndexStore>();
  for (const [name, index] of indexes) {
    views.set(name, new Proxy(index, {
      get(target, property) {
        if (property === "scanFirstField") {
          return function* (...bounds: Parameters<IndexStore["scanFirstField"]>) {
            yield* target.scanFirstField(...bounds);
            yield* differing();
          };
        }
        if (property === "scanAll") {
          return function* (reverse?: boolean) {
            yield* target.scanAll(reverse);
            yield* differing();
          };
        }
        const value = Reflect.get(target, property, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    }));
  }
  return views;
}
