/**
 * The server's catalog: databases by name, each a map of collections and views. Collections
 * spring into being on first write, as on a real server.
 */
import { CommandError, ErrorCodes } from "../errors.ts";
import { CollectionStore, type CollectionOptions } from "./collection-store.ts";

const INVALID_DB_CHARS = /[/\\. "$\0]/;

export class Catalog {
  readonly databases = new Map<string, Map<string, CollectionStore>>();

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

  create(dbName: string, name: string, options: CollectionOptions): CollectionStore {
    checkDatabaseName(dbName);
    checkCollectionName(name);
    if (this.collection(dbName, name)) throw new CommandError(ErrorCodes.NamespaceExists, `Collection ${dbName}.${name} already exists.`);
    const collection = new CollectionStore(dbName, name, options);
    let db = this.databases.get(dbName);
    if (!db) {
      db = new Map();
      this.databases.set(dbName, db);
    }
    db.set(name, collection);
    return collection;
  }

  drop(dbName: string, name: string): boolean {
    const db = this.databases.get(dbName);
    if (!db?.delete(name)) return false;
    if (db.size === 0) this.databases.delete(dbName);
    return true;
  }

  dropDatabase(dbName: string): void {
    this.databases.delete(dbName);
  }

  rename(fromDb: string, fromName: string, toDb: string, toName: string, dropTarget: boolean): void {
    const source = this.collection(fromDb, fromName);
    if (!source) throw new CommandError(ErrorCodes.NamespaceNotFound, "Source collection does not exist");
    if (source.isView) throw new CommandError(ErrorCodes.CommandNotSupportedOnView, "cannot rename a view");
    checkCollectionName(toName);
    if (this.collection(toDb, toName)) {
      if (!dropTarget) throw new CommandError(ErrorCodes.NamespaceExists, "target namespace exists");
      this.drop(toDb, toName);
    }
    checkDatabaseName(toDb);
    // The collection moves as it is: same documents, indexes, options and UUID.
    this.drop(fromDb, fromName);
    source.dbName = toDb;
    source.name = toName;
    let db = this.databases.get(toDb);
    if (!db) {
      db = new Map();
      this.databases.set(toDb, db);
    }
    db.set(toName, source);
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
