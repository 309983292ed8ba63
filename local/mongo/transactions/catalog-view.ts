/**
 * The catalog as a command inside a transaction sees it. Command handlers take their collections
 * from `ctx.state.catalog`; inside a transaction that is this view, whose collections read the
 * transaction's snapshot with its own writes over it and buffer their writes in the transaction.
 * Each view inherits everything else (options, validator, matcher, index specs) from the real
 * collection, so the handlers run unchanged.
 */
import { CommandError, ErrorCodes } from "../errors.ts";
import type { Doc } from "../query/paths.ts";
import type { Catalog } from "../storage/catalog.ts";
import type { CollectionOptions, CollectionStore, WriteOptions } from "../storage/collection-store.ts";
import type { IndexSpec, IndexStore } from "../storage/index-store.ts";
import { SnapshotDocs, snapshotIndexes } from "../storage/snapshot-view.ts";
import { notInTransaction } from "./errors.ts";
import { namespaceOf, type Transaction } from "./transaction.ts";

const NO_WRITES = new Map<string, Doc | null>();

export function transactionCatalog(txn: Transaction, catalog: Catalog): Catalog {
  const views = new Map<CollectionStore, CollectionStore>();
  const viewOf = (collection: CollectionStore, db: string, name: string): CollectionStore => {
    if (collection.isView) return collection;
    let view = views.get(collection);
    if (!view) {
      view = txn.created.has(namespaceOf(db, name)) ? createdView(collection) : snapshotView(txn, catalog, collection, db, name);
      views.set(collection, view);
    }
    return view;
  };
  const view = Object.create(catalog) as Catalog;
  view.collection = (db, name) => {
    const collection = txn.collectionAt(db, name);
    return collection && viewOf(collection, db, name);
  };
  view.collectionForWrite = (db, name) => {
    const collection = txn.collectionAt(db, name);
    if (collection?.isView) throw new CommandError(ErrorCodes.CommandNotSupportedOnView, `Namespace ${db}.${name} is a view, not a collection`);
    return viewOf(collection ?? txn.createCollection(db, name, {}), db, name);
  };
  view.create = (db: string, name: string, options: CollectionOptions) => {
    if (options.viewOn !== undefined) throw notInTransaction("Cannot create a view in a multi-document transaction.");
    if (options.capped || options.timeseries) throw notInTransaction(`Cannot create a ${options.capped ? "capped" : "time-series"} collection in a multi-document transaction.`);
    return viewOf(txn.createCollection(db, name, options), db, name);
  };
  return view;
}

/** A collection created in the transaction: its private store, where writes go directly. */
function createdView(collection: CollectionStore): CollectionStore {
  const view = Object.create(collection) as CollectionStore;
  view.createIndex = (spec: IndexSpec): IndexStore => {
    if (collection.docs.size > 0) throw notInTransaction(`Cannot create new indexes on non-empty collection ${collection.namespace} in a multi-document transaction.`);
    return collection.createIndex(spec);
  };
  return view;
}

/** A collection that existed at the snapshot, seen through it, with writes buffered in the transaction. */
function snapshotView(txn: Transaction, catalog: Catalog, collection: CollectionStore, db: string, name: string): CollectionStore {
  // Others cannot write while one command runs, so what changed since the snapshot is fixed for the view's life.
  const atSnapshot = catalog.versions.documentsAt(collection, txn.snapshot);
  let docs: { own: Map<string, Doc | null>; view: SnapshotDocs } | undefined;
  let indexes: Map<string, IndexStore> | undefined;
  // The live collection serves as long as it is exactly what the transaction would see.
  const differs = () => atSnapshot.size > 0 || txn.pending.has(collection);
  const own = () => txn.pending.get(collection)?.docs ?? NO_WRITES;
  const view = Object.create(collection) as CollectionStore;
  Object.defineProperties(view, {
    docs: {
      get: () => {
        if (!differs()) return collection.docs;
        // Rebuilt once the transaction's first write to the collection gives it its own writes.
        if (docs?.own !== own()) docs = { own: own(), view: new SnapshotDocs(collection.docs, atSnapshot, own()) };
        return docs.view;
      },
    },
    indexes: {
      get: () => (differs() ? (indexes ??= snapshotIndexes(collection.indexes, () => [...atSnapshot.keys(), ...own().keys()])) : collection.indexes),
    },
  });
  const writes = () => txn.writesTo(collection, db, name);
  view.insert = (doc: Doc, options: WriteOptions = {}) => writes().insert(doc, options);
  view.replace = (oldDoc: Doc, newDoc: Doc, options: WriteOptions = {}) => writes().replace(oldDoc, newDoc, options);
  view.remove = (doc: Doc) => writes().remove(doc);
  view.createIndex = () => {
    throw notInTransaction(`Cannot create new indexes on existing collection ${collection.namespace} in a multi-document transaction.`);
  };
  view.clear = view.setValidator = view.dropIndex = view.setIndexOptions = () => {
    throw notInTransaction(`Cannot change ${collection.namespace} in a multi-document transaction.`);
  };
  return view;
}
