/**
 * The server's catalog: databases by name, each a map of collections and views. Collections
 * spring into being on first write, as on a real server. Changes to the catalog, and through
 * its collections to their documents and indexes, are recorded in `journal` when it is set.
 */
import type { Binary } from "bson";
import { CommandError, ErrorCodes } from "../errors.ts";
import { CollectionStore, type CollectionOptions, type StoreOwner } from "./collection-store.ts";
import type { Journal } from "./journal.ts";
import { VersionLog } from "./versions.ts";

const INVALID_DB_CHARS = /[/\\. "$\0]/;

export class Catalog implements StoreOwner {
  readonly databases = new Map<string, Map<string, CollectionStore>>();
  /** Set once the data on disk has been replayed (which must not be recorded again). */
  journal?: Journal;
  /** Earlier versions of documents and namespaces, for transactions reading from a snapshot. */
  readonly versions = new VersionLog();

  database(name: string): Map<string, CollectionStore> | undefined {
    return this.databases.get(name);
  }

  collection(dbName: string, name: string): CollectionStore | undefined {
    return this.databases.get(dbName)?.get(name);
  }

  /** The collection a write goes to, created implicitly when it does not exist yet. */
  collectionForWrite(dbName: string, name: string): CollectionStore {
    const existing = this.collection(dbName, name);
    if (existing) {
      if (existing.isView) throw new CommandError(ErrorCodes.CommandNotSupportedOnView, `Namespace ${dbName}.${name} is a view, not a collection`);
      return existing;
    }
    return this.create(dbName, name, {});
  }

  /** `uuid` is given on replay only; a new collection gets a fresh one. */
  create(dbName: string, name: string, options: CollectionOptions, uuid?: Binary): CollectionStore {
    checkDatabaseName(dbName);
    checkCollectionName(name);
    if (this.collection(dbName, name)) throw new CommandError(ErrorCodes.NamespaceExists, `Collection ${dbName}.${name} already exists.`);
    const collection = new CollectionStore(dbName, name, options, this, uuid);
    this.attach(dbName, name, collection);
    this.journal?.append({ op: "create", db: dbName, coll: name, options, uuid: collection.uuid });
    return collection;
  }

  drop(dbName: string, name: string): boolean {
    if (!this.detach(dbName, name)) return false;
    this.journal?.append({ op: "drop", db: dbName, coll: name });
    return true;
  }

  dropDatabase(dbName: string): void {
    const db = this.databases.get(dbName);
    if (!db) return;
    for (const [name, collection] of db) this.versions.namespaceChanging(dbName, name, collection);
    this.databases.delete(dbName);
    this.journal?.append({ op: "dropDatabase", db: dbName });
  }

  rename(fromDb: string, fromName: string, toDb: string, toName: string, dropTarget: boolean): void {
    const source = this.collection(fromDb, fromName);
    if (!source) throw new CommandError(ErrorCodes.NamespaceNotFound, "Source collection does not exist");
    if (source.isView) throw new CommandError(ErrorCodes.CommandNotSupportedOnView, "cannot rename a view");
    checkCollectionName(toName);
    const targetExists = this.collection(toDb, toName) !== undefined;
    if (targetExists && !dropTarget) throw new CommandError(ErrorCodes.NamespaceExists, "target namespace exists");
    checkDatabaseName(toDb);
    // One record for the whole rename, so replay repeats it as one step (target drop included).
    if (targetExists) this.detach(toDb, toName);
    // The collection moves as it is: same documents, indexes, options and UUID.
    this.detach(fromDb, fromName);
    source.dbName = toDb;
    source.name = toName;
    this.attach(toDb, toName, source);
    this.journal?.append({ op: "rename", fromDb, from: fromName, toDb, to: toName, dropTarget });
  }

  private attach(dbName: string, name: string, collection: CollectionStore): void {
    let db = this.databases.get(dbName);
    if (!db) {
      db = new Map();
      this.databases.set(dbName, db);
    }
    this.versions.namespaceChanging(dbName, name, db.get(name));
    db.set(name, collection);
  }

  private detach(dbName: string, name: string): boolean {
    const db = this.databases.get(dbName);
    const collection = db?.get(name);
    if (!db || !collection) return false;
    this.versions.namespaceChanging(dbName, name, collection);
    db.delete(name);
    if (db.size === 0) this.databases.delete(dbName);
    return true;
  }
}

export function checkDatabaseName(name: string): void {
  if (typeof name !== "string" || name.length === 0 || name.length > 63 || INVALID_DB_CHARS.test(name)) {
    throw new CommandError(ErrorCodes.InvalidNamespace, `Invalid database name: '${name}'`);
  }
}

export function checkCollectionName(name: string): void {
  if (typeof name !== "string" || name.length === 0 || name.includes("\0") || name.startsWith(".") || name.includes("$")) {
    throw new CommandError(ErrorCodes.InvalidNamespace, `Invalid collection name: ${name}`);
  }
}
