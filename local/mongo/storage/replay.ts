/**
 * The journal's records, both ways: `applyRecord` repeats one change on a catalog (at startup,
 * with journaling off), and `catalogRecords` describes a whole catalog as the fewest records
 * that rebuild it (the snapshot). Records name collections by database and name; renames are
 * records too, so the names are right at every point of the sequence.
 *
 * Record shapes (besides the files' own `header` and `end`):
 * create {db, coll, options, uuid} · drop {db, coll} · dropDatabase {db} ·
 * rename {fromDb, from, toDb, to, dropTarget} · options {db, coll, options} ·
 * insert {db, coll, doc} · replace {db, coll, doc} · remove {db, coll, id} · clear {db, coll} ·
 * createIndex {db, coll, spec} · dropIndex {db, coll, name} · indexOptions {db, coll, name, changes} ·
 * searchIndexes {db, coll, indexes} (the collection's whole list of Atlas search indexes)
 */
import type { Binary, Document } from "bson";
import type { Doc } from "../query/paths.ts";
import { searchIndexesOf, setSearchIndexes, type SearchIndex } from "../search/search-indexes.ts";
import type { Catalog } from "./catalog.ts";
import { ID_INDEX, type CollectionStore } from "./collection-store.ts";
import type { IndexSpec } from "./index-store.ts";

/** Replayed writes were validated when first made; the validator may have changed since. */
const REPLAY = { bypassDocumentValidation: true };

export function applyRecord(catalog: Catalog, record: Document): void {
  switch (record.op) {
    case "create":
      catalog.create(record.db, record.coll, record.options, record.uuid as Binary);
      return;
    case "drop":
      catalog.drop(record.db, record.coll);
      return;
    case "dropDatabase":
      catalog.dropDatabase(record.db);
      return;
    case "rename":
      catalog.rename(record.fromDb, record.from, record.toDb, record.to, record.dropTarget === true);
      return;
  }
  const collection = catalog.collection(record.db, record.coll);
  if (!collection) throw new Error(`collection ${record.db}.${record.coll} does not exist`);
  switch (record.op) {
    case "options":
      collection.setValidator(record.options);
      return;
    case "insert":
      collection.insert(record.doc, REPLAY);
      return;
    case "replace":
      collection.replace(existing(collection, record.doc._id), record.doc, REPLAY);
      return;
    case "remove":
      collection.remove(existing(collection, record.id));
      return;
    case "clear":
      collection.clear();
      return;
    case "createIndex":
      collection.createIndex(record.spec as IndexSpec);
      return;
    case "dropIndex":
      collection.dropIndex(record.name);
      return;
    case "indexOptions":
      collection.setIndexOptions(record.name, record.changes);
      return;
    case "searchIndexes":
      setSearchIndexes(collection, record.indexes as SearchIndex[]);
      return;
  }
  throw new Error(`unknown record type ${JSON.stringify(record.op)}`);
}

function existing(collection: CollectionStore, id: unknown): Doc {
  const doc = collection.findById(id);
  if (!doc) throw new Error(`no document with _id ${String(id)} in ${collection.namespace}`);
  return doc;
}

/** Every collection and view, in catalog order; documents before secondary indexes, which then build in one pass. */
export function* catalogRecords(catalog: Catalog): Generator<Document> {
  for (const [db, collections] of catalog.databases) {
    for (const [coll, collection] of collections) {
      yield { op: "create", db, coll, options: collection.options, uuid: collection.uuid };
      for (const doc of collection.docs.values()) yield { op: "insert", db, coll, doc };
      for (const index of collection.indexes.values()) {
        if (index.name !== ID_INDEX.name) yield { op: "createIndex", db, coll, spec: index.spec };
      }
      const searchIndexes = searchIndexesOf(collection);
      if (searchIndexes.length) yield { op: "searchIndexes", db, coll, indexes: searchIndexes };
    }
  }
}
