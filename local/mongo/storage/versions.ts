/**
 * Earlier versions of documents and of the catalog's namespace bindings, kept while transactions
 * read from snapshots. Every change is numbered; a snapshot is the number it was taken at, and
 * what a document (or a namespace) held at that point is the before-image of its first change
 * after it. Nothing is kept while no snapshot is open, so a write outside transactions pays one
 * comparison, and what no open snapshot can need any more is dropped when one closes.
 */
import type { Doc } from "../query/paths.ts";
import type { CollectionStore } from "./collection-store.ts";

interface Change<T> {
  readonly seq: number;
  /** What was there before this change; undefined when nothing was. */
  readonly before: T | undefined;
}

const namespaceKey = (db: string, name: string): string => `${db}\0${name}`;

export class VersionLog {
  private seq = 0;
  /** Open snapshots: number → how many transactions hold it. */
  private readonly open = new Map<number, number>();
  private readonly documents = new Map<CollectionStore, Map<string, Change<Doc>[]>>();
  private readonly namespaces = new Map<string, Change<CollectionStore>[]>();

  get recording(): boolean {
    return this.open.size > 0;
  }

  /** A snapshot of everything as it is now; every later change is numbered above it. */
  openSnapshot(): number {
    this.open.set(this.seq, (this.open.get(this.seq) ?? 0) + 1);
    return this.seq;
  }

  closeSnapshot(snapshot: number): void {
    const holders = this.open.get(snapshot);
    if (holders === undefined) return;
    if (holders > 1) return void this.open.set(snapshot, holders - 1);
    this.open.delete(snapshot);
    if (this.open.size === 0) {
      this.documents.clear();
      this.namespaces.clear();
    } else if (snapshot < Math.min(...this.open.keys())) this.prune(Math.min(...this.open.keys()));
  }

  /** Called by a collection just before the document under `docKey` changes. */
  documentChanging(collection: CollectionStore, docKey: string, before: Doc | undefined): void {
    if (this.open.size === 0) return;
    let changes = this.documents.get(collection);
    if (!changes) this.documents.set(collection, (changes = new Map()));
    const list = changes.get(docKey);
    const change = { seq: ++this.seq, before };
    if (list) list.push(change);
    else changes.set(docKey, [change]);
  }

  /** Called by the catalog just before a namespace is bound to another collection, or to none. */
  namespaceChanging(db: string, name: string, before: CollectionStore | undefined): void {
    if (this.open.size === 0) return;
    const key = namespaceKey(db, name);
    const change = { seq: ++this.seq, before };
    const list = this.namespaces.get(key);
    if (list) list.push(change);
    else this.namespaces.set(key, [change]);
  }

  /** Whether the document changed after `snapshot` (what makes a transaction's write conflict). */
  documentChangedSince(collection: CollectionStore, docKey: string, snapshot: number): boolean {
    const list = this.documents.get(collection)?.get(docKey);
    return list !== undefined && list[list.length - 1].seq > snapshot;
  }

  /** What `docKey` held at `snapshot`, given what it holds now. */
  documentAt(collection: CollectionStore, docKey: string, snapshot: number, current: Doc | undefined): Doc | undefined {
    const list = this.documents.get(collection)?.get(docKey);
    const first = list && firstAfter(list, snapshot);
    return first ? first.before : current;
  }

  /** Every document of `collection` changed after `snapshot`, with what it held then (undefined: nothing). */
  documentsAt(collection: CollectionStore, snapshot: number): Map<string, Doc | undefined> {
    const result = new Map<string, Doc | undefined>();
    for (const [docKey, list] of this.documents.get(collection) ?? []) {
      const first = firstAfter(list, snapshot);
      if (first) result.set(docKey, first.before);
    }
    return result;
  }

  namespaceChangedSince(db: string, name: string, snapshot: number): boolean {
    const list = this.namespaces.get(namespaceKey(db, name));
    return list !== undefined && list[list.length - 1].seq > snapshot;
  }

  /** The collection bound to the namespace at `snapshot`, given the one bound now. */
  collectionAt(db: string, name: string, snapshot: number, current: CollectionStore | undefined): CollectionStore | undefined {
    const list = this.namespaces.get(namespaceKey(db, name));
    const first = list && firstAfter(list, snapshot);
    return first ? first.before : current;
  }

  /** Drops the changes no open snapshot (all at or after `oldest`) needs. */
  private prune(oldest: number): void {
    for (const [collection, changes] of this.documents) {
      for (const [docKey, list] of changes) {
        const keep = list.filter((change) => change.seq > oldest);
        if (keep.length) changes.set(docKey, keep);
        else changes.delete(docKey);
      }
      if (changes.size === 0) this.documents.delete(collection);
    }
    for (const [key, list] of this.namespaces) {
      const keep = list.filter((change) => change.seq > oldest);
      if (keep.length) this.namespaces.set(key, keep);
      else this.namespaces.delete(key);
    }
  }
}

function firstAfter<T>(list: Change<T>[], snapshot: number): Change<T> | undefined {
  // Lists are in change order; the snapshot usually predates most of a short list.
  for (const change of list) if (change.seq > snapshot) return change;
  return undefined;
}
