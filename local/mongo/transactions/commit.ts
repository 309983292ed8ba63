/**
 * Committing a transaction: first-committer-wins validation, then every buffered write applied
 * through the collections' own methods, in the order the transaction made them, so indexes,
 * unique constraints and the journal see ordinary writes. It all happens in one synchronous
 * step, so no other command sees half of it, and its journal records go out in one group
 * commit (one checksummed frame: replay applies all of it or none). If a write cannot be
 * applied after all, those already applied are undone and the commit fails as a write conflict.
 */
import type { Doc } from "../query/paths.ts";
import type { Catalog } from "../storage/catalog.ts";
import { ID_INDEX, type CollectionStore } from "../storage/collection-store.ts";
import { writeConflict } from "./errors.ts";
import type { LoggedWrite } from "./pending-writes.ts";
import type { Transaction } from "./transaction.ts";

/** Writes were validated when the transaction made them; the validator may not judge them twice. */
const CHECKED = { bypassDocumentValidation: true };

export function applyCommit(txn: Transaction, catalog: Catalog): void {
  checkNoConflicts(txn, catalog);
  const undo: Array<() => void> = [];
  try {
    for (const created of txn.created.values()) copyIn(created, catalog, undo);
    for (const write of txn.writes) apply(write, undo);
  } catch (error) {
    for (const step of undo.reverse()) {
      try {
        step();
      } catch (undoError) {
        console.error(`[mongo stand-in] could not undo part of a failed commit: ${(undoError as Error).message}`);
      }
    }
    throw writeConflict(`the transaction could not be applied: ${(error as Error).message}`);
  }
}

/**
 * Everything the transaction wrote must be as it was at its snapshot: a document changed since
 * (by a write outside transactions, or a transaction that committed first) or a namespace
 * created, dropped or renamed since makes the commit a write conflict.
 */
function checkNoConflicts(txn: Transaction, catalog: Catalog): void {
  const { versions } = catalog;
  for (const pending of txn.pending.values()) {
    if (catalog.collection(pending.db, pending.name) !== pending.collection || versions.namespaceChangedSince(pending.db, pending.name, txn.snapshot)) {
      throw writeConflict(`${pending.db}.${pending.name} changed since the transaction started`);
    }
    for (const docKey of pending.docs.keys()) if (versions.documentChangedSince(pending.collection, docKey, txn.snapshot)) throw writeConflict();
  }
  for (const created of txn.created.values()) {
    if (catalog.collection(created.dbName, created.name) || versions.namespaceChangedSince(created.dbName, created.name, txn.snapshot)) {
      throw writeConflict(`${created.namespace} was created since the transaction started`);
    }
  }
}

function copyIn(created: CollectionStore, catalog: Catalog, undo: Array<() => void>): void {
  const collection = catalog.create(created.dbName, created.name, created.options);
  undo.push(() => catalog.drop(created.dbName, created.name));
  for (const index of created.indexes.values()) if (index.name !== ID_INDEX.name) collection.createIndex(index.spec);
  for (const doc of created.docs.values()) collection.insert(doc, CHECKED);
}

function apply({ kind, collection, doc }: LoggedWrite, undo: Array<() => void>): void {
  const stored: Doc | undefined = collection.findById(doc._id);
  if (kind === "insert") {
    collection.insert(doc, CHECKED);
    undo.push(() => collection.remove(doc));
  } else if (kind === "replace") {
    if (!stored) throw new Error(`document ${String(doc._id)} is gone`);
    collection.replace(stored, doc, CHECKED);
    undo.push(() => collection.replace(doc, stored, CHECKED));
  } else if (stored) {
    collection.remove(stored);
    undo.push(() => collection.insert(stored, CHECKED));
  }
}
