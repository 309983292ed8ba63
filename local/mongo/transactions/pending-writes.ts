/**
 * A transaction's buffered writes to one collection that existed at its snapshot. Each write is
 * checked when made, as the server checks it: `_id`, validation, index keys and unique indexes
 * against what the transaction sees (its snapshot with its own writes over it); a document that
 * changed since the snapshot, or that another transaction holds, is a write conflict. The writes
 * reach the collection, through its own methods, only at commit.
 */
import { hashKeyOf } from "../bson-values.ts";
import { CommandError, ErrorCodes } from "../errors.ts";
import type { Doc } from "../query/paths.ts";
import { checkIdValue, ID_INDEX, type CollectionStore, type WriteOptions } from "../storage/collection-store.ts";
import type { IndexStore } from "../storage/index-store.ts";
import { writeConflict } from "./errors.ts";

export interface LoggedWrite {
  readonly kind: "insert" | "replace" | "remove";
  readonly collection: CollectionStore;
  /** The document written (for a removal, the one removed). */
  readonly doc: Doc;
  readonly options: WriteOptions;
}

/** What buffered writes need from their transaction. */
export interface WriteGuard {
  /** Throws a write conflict if the document changed since the snapshot or another transaction holds it. */
  claim(collection: CollectionStore, docKey: string): void;
  changedSinceSnapshot(collection: CollectionStore, docKey: string): boolean;
  /** What the document held at the snapshot. */
  atSnapshot(collection: CollectionStore, docKey: string): Doc | undefined;
  log(write: LoggedWrite): void;
}

export class PendingWrites {
  readonly collection: CollectionStore;
  /** The namespace the transaction reached the collection by (commit checks it still does). */
  readonly db: string;
  readonly name: string;
  /** Each written document as the transaction left it; null once removed. */
  readonly docs = new Map<string, Doc | null>();
  /** Unique index name → key → the document holding it among the transaction's writes. */
  private readonly uniqueHolders = new Map<string, Map<string, string>>();
  private readonly heldKeys = new Map<string, Array<[string, string]>>();
  private readonly guard: WriteGuard;

  constructor(collection: CollectionStore, db: string, name: string, guard: WriteGuard) {
    this.collection = collection;
    this.db = db;
    this.name = name;
    this.guard = guard;
  }

  /** The document as the transaction sees it. */
  visible(docKey: string): Doc | undefined {
    if (this.docs.has(docKey)) return this.docs.get(docKey) ?? undefined;
    return this.guard.atSnapshot(this.collection, docKey);
  }

  insert(doc: Doc, options: WriteOptions): void {
    checkIdValue(doc._id);
    const docKey = hashKeyOf(doc._id);
    if (this.visible(docKey)) throw this.collection.indexes.get(ID_INDEX.name)!.duplicateKeyError([doc._id], this.collection.namespace);
    this.write("insert", docKey, doc, this.collection.checkWrite(doc, undefined, options), options);
  }

  replace(oldDoc: Doc, newDoc: Doc, options: WriteOptions): void {
    this.write("replace", hashKeyOf(oldDoc._id), newDoc, this.collection.checkWrite(newDoc, oldDoc, options), options);
  }

  remove(doc: Doc): void {
    const docKey = hashKeyOf(doc._id);
    if (!this.visible(docKey)) return;
    this.guard.claim(this.collection, docKey);
    this.hold(docKey, []);
    this.docs.set(docKey, null);
    this.guard.log({ kind: "remove", collection: this.collection, doc, options: {} });
  }

  private write(kind: "insert" | "replace", docKey: string, doc: Doc, keysByIndex: Array<[IndexStore, unknown[][]]>, options: WriteOptions): void {
    this.guard.claim(this.collection, docKey);
    const held: Array<[string, string]> = [];
    for (const [index, keys] of keysByIndex) {
      if (!index.spec.unique || index.name === ID_INDEX.name) continue;
      for (const values of keys) {
        this.checkUnique(index, values, docKey);
        held.push([index.name, hashKeyOf(values)]);
      }
    }
    this.hold(docKey, held);
    this.docs.set(docKey, doc);
    this.guard.log({ kind, collection: this.collection, doc, options });
  }

  /**
   * A key is taken if one of the transaction's own documents holds it, or a committed one the
   * transaction has not rewritten: a duplicate if the transaction can see that document, a write
   * conflict if it was written after the snapshot.
   */
  private checkUnique(index: IndexStore, values: unknown[], docKey: string): void {
    const mine = this.uniqueHolders.get(index.name)?.get(hashKeyOf(values));
    if (mine !== undefined && mine !== docKey) throw index.duplicateKeyError(values, this.collection.namespace);
    try {
      index.checkUnique([values], docKey, this.collection.namespace);
    } catch (error) {
      if (!(error instanceof CommandError) || error.code !== ErrorCodes.DuplicateKey) throw error;
      for (const holder of committedHolders(this.collection, index, values)) {
        if (holder === docKey || this.docs.has(holder)) continue;
        if (this.guard.changedSinceSnapshot(this.collection, holder)) throw writeConflict();
        throw error;
      }
    }
  }

  /** Records the unique keys `docKey` now holds among the transaction's writes. */
  private hold(docKey: string, keys: Array<[string, string]>): void {
    for (const [indexName, key] of this.heldKeys.get(docKey) ?? []) {
      const holders = this.uniqueHolders.get(indexName);
      if (holders?.get(key) === docKey) holders.delete(key);
    }
    for (const [indexName, key] of keys) {
      let holders = this.uniqueHolders.get(indexName);
      if (!holders) this.uniqueHolders.set(indexName, (holders = new Map()));
      holders.set(key, docKey);
    }
    this.heldKeys.set(docKey, keys);
  }
}

/** The committed documents holding exactly `values` in `index`. */
function committedHolders(collection: CollectionStore, index: IndexStore, values: unknown[]): string[] {
  const wanted = hashKeyOf(values);
  const holds = (docKey: string) => {
    const doc = collection.docs.get(docKey);
    return doc !== undefined && index.keysFor(doc).some((keys) => hashKeyOf(keys) === wanted);
  };
  const candidates = index.isOrderedPlain ? index.scanFirstField({ value: values[0], inclusive: true }, { value: values[0], inclusive: true }) : collection.docs.keys();
  return [...candidates].filter(holds);
}
