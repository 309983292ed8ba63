/**
 * One multi-document transaction: a snapshot of the catalog taken when it starts, the writes it
 * buffers (to collections that existed then) and the collections it creates (private until
 * commit). Reads see the snapshot with the transaction's own writes over it (`catalog-view.ts`);
 * `commit` applies everything at once (`commit.ts`); `abort`, expiry, a newer transaction on the
 * session or the session's end discard it.
 */
import type { Long } from "bson";
import { CommandError, ErrorCodes } from "../errors.ts";
import type { Doc } from "../query/paths.ts";
import { checkCollectionName, checkDatabaseName, type Catalog } from "../storage/catalog.ts";
import { CollectionStore, type CollectionOptions } from "../storage/collection-store.ts";
import { applyCommit } from "./commit.ts";
import { noSuchTransaction, notInTransaction, writeConflict } from "./errors.ts";
import { PendingWrites, type LoggedWrite, type WriteGuard } from "./pending-writes.ts";
import type { WriteLocks } from "./write-locks.ts";

export type TransactionState = "inProgress" | "committed" | "aborted";

/** What a transaction needs from the server around it. */
export interface TransactionHost {
  readonly catalog: Catalog;
  readonly locks: WriteLocks;
  killCursors(ids: Long[]): void;
}

export const namespaceOf = (db: string, name: string): string => `${db}.${name}`;

export class Transaction implements WriteGuard {
  readonly txnNumber: number;
  readonly snapshot: number;
  state: TransactionState = "inProgress";
  /** Buffered writes per collection that existed at the snapshot; `writes` keeps their order. */
  readonly pending = new Map<CollectionStore, PendingWrites>();
  readonly writes: LoggedWrite[] = [];
  /** Collections the transaction creates, by namespace: private stores, copied in at commit. */
  readonly created = new Map<string, CollectionStore>();
  /** Cursors opened in the transaction, closed when it ends. */
  readonly cursors: Long[] = [];
  private readonly host: TransactionHost;
  private readonly expiry: NodeJS.Timeout;

  constructor(host: TransactionHost, txnNumber: number, lifetimeSeconds: number) {
    this.host = host;
    this.txnNumber = txnNumber;
    this.snapshot = host.catalog.versions.openSnapshot();
    // transactionLifetimeLimitSeconds: a transaction left open that long is aborted.
    this.expiry = setTimeout(() => this.abort(), lifetimeSeconds * 1000);
    this.expiry.unref();
  }

  /** The collection bound to the namespace at the snapshot, or the one the transaction created. */
  collectionAt(db: string, name: string): CollectionStore | undefined {
    const created = this.created.get(namespaceOf(db, name));
    if (created) return created;
    return this.host.catalog.versions.collectionAt(db, name, this.snapshot, this.host.catalog.collection(db, name));
  }

  /** Where writes to an existing collection go; one that was dropped or renamed since is a conflict. */
  writesTo(collection: CollectionStore, db: string, name: string): PendingWrites {
    if (this.host.catalog.collection(db, name) !== collection) throw writeConflict(`${namespaceOf(db, name)} changed since the transaction started`);
    let pending = this.pending.get(collection);
    if (!pending) this.pending.set(collection, (pending = new PendingWrites(collection, db, name, this)));
    return pending;
  }

  /** Creates a collection inside the transaction (explicitly or by a first write). */
  createCollection(db: string, name: string, options: CollectionOptions): CollectionStore {
    checkDatabaseName(db);
    checkCollectionName(name);
    if (name.startsWith("system.")) throw notInTransaction(`Cannot create system collection ${namespaceOf(db, name)} within a transaction.`);
    if (this.collectionAt(db, name)) throw new CommandError(ErrorCodes.NamespaceExists, `Collection ${namespaceOf(db, name)} already exists.`);
    if (!this.host.locks.claimNamespace(this, namespaceOf(db, name))) throw writeConflict(`another transaction is creating ${namespaceOf(db, name)}`);
    const collection = new CollectionStore(db, name, options);
    this.created.set(namespaceOf(db, name), collection);
    return collection;
  }

  claim(collection: CollectionStore, docKey: string): void {
    if (this.changedSinceSnapshot(collection, docKey) || !this.host.locks.claimDocument(this, collection, docKey)) throw writeConflict();
  }

  changedSinceSnapshot(collection: CollectionStore, docKey: string): boolean {
    return this.host.catalog.versions.documentChangedSince(collection, docKey, this.snapshot);
  }

  atSnapshot(collection: CollectionStore, docKey: string): Doc | undefined {
    return this.host.catalog.versions.documentAt(collection, docKey, this.snapshot, collection.docs.get(docKey));
  }

  log(write: LoggedWrite): void {
    this.writes.push(write);
  }

  /** Applies every write at once; a retried commit of a committed transaction succeeds again. */
  commit(): void {
    if (this.state === "committed") return;
    if (this.state === "aborted") throw noSuchTransaction(`Transaction ${this.txnNumber} has been aborted.`);
    try {
      applyCommit(this, this.host.catalog);
    } catch (error) {
      this.end("aborted");
      throw error;
    }
    this.end("committed");
  }

  abort(): void {
    if (this.state === "inProgress") this.end("aborted");
  }

  private end(state: TransactionState): void {
    if (this.state !== "inProgress") return;
    this.state = state;
    clearTimeout(this.expiry);
    this.host.catalog.versions.closeSnapshot(this.snapshot);
    const written = [...this.pending].map(([collection, pending]) => [collection, pending.docs.keys()] as [CollectionStore, Iterable<string>]);
    this.host.locks.release(this, written, this.created.keys());
    if (this.cursors.length) this.host.killCursors(this.cursors.splice(0));
    this.pending.clear();
    this.created.clear();
    this.writes.length = 0;
  }
}
