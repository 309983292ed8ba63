/**
 * One collection: its documents in natural (insertion) order, its indexes and its validator.
 * Every write goes through `insert`, `replace` or `remove`, so indexes, unique constraints and
 * validation are enforced in one place whatever command caused the write. The same methods
 * record each change in the journal, when the server persists (see `journal.ts`).
 */
import { randomUUID } from "node:crypto";
import { Binary } from "bson";
import { bsonTypeOf, hashKeyOf, isPlainObject } from "../bson-values.ts";
import { CommandError, ErrorCodes } from "../errors.ts";
import { compileFilter, type Predicate } from "../query/match.ts";
import type { Doc } from "../query/paths.ts";
import { IndexStore, type IndexSpec } from "./index-store.ts";
import type { JournalOwner } from "./journal.ts";
import { compileValidator, type Validator } from "./validation.ts";
import type { VersionLog } from "./versions.ts";

export interface CollectionOptions {
  validator?: Doc;
  validationLevel?: "off" | "strict" | "moderate";
  validationAction?: "error" | "warn" | "errorAndLog";
  viewOn?: string;
  pipeline?: Doc[];
  collation?: Doc;
  capped?: boolean;
  size?: number;
  max?: number;
  [option: string]: unknown;
}

export interface WriteOptions {
  bypassDocumentValidation?: boolean;
}

export const ID_INDEX: IndexSpec = { v: 2, key: { _id: 1 }, name: "_id_" };

/** Its catalog: the journal records each change, the version log keeps what open snapshots need. */
export interface StoreOwner extends JournalOwner {
  readonly versions?: VersionLog;
}

const newUuid = (): Binary => new Binary(Buffer.from(randomUUID().replaceAll("-", ""), "hex"), Binary.SUBTYPE_UUID);

export class CollectionStore {
  dbName: string;
  name: string;
  options: CollectionOptions;
  /** Given on replay, so a collection keeps its UUID across restarts. */
  readonly uuid: Binary;
  readonly docs = new Map<string, Doc>();
  readonly indexes = new Map<string, IndexStore>();
  private validator?: Validator;
  /** Its catalog; none for a scratch store (the `$out` staging copy), which records nothing. */
  private readonly owner?: StoreOwner;

  constructor(dbName: string, name: string, options: CollectionOptions = {}, owner?: StoreOwner, uuid: Binary = newUuid()) {
    this.dbName = dbName;
    this.name = name;
    this.options = options;
    this.owner = owner;
    this.uuid = uuid;
    if (!options.viewOn) this.indexes.set(ID_INDEX.name, new IndexStore(ID_INDEX));
    this.applyOptions(options);
  }

  get namespace(): string {
    return `${this.dbName}.${this.name}`;
  }

  get isView(): boolean {
    return this.options.viewOn !== undefined;
  }

  /** Replaces the collection's options (validator, view definition), as `collMod` does. */
  setValidator(options: CollectionOptions): void {
    this.applyOptions(options);
    this.owner?.journal?.append({ op: "options", db: this.dbName, coll: this.name, options });
  }

  private applyOptions(options: CollectionOptions): void {
    this.options = options;
    this.validator = options.validator && Object.keys(options.validator).length ? compileValidator(options.validator) : undefined;
  }

  insert(doc: Doc, options: WriteOptions = {}): void {
    checkIdValue(doc._id);
    const docKey = hashKeyOf(doc._id);
    if (this.docs.has(docKey)) throw this.indexes.get(ID_INDEX.name)!.duplicateKeyError([doc._id], this.namespace);
    if (!options.bypassDocumentValidation) this.validate(doc);
    const keysByIndex = this.indexKeys(doc, docKey);
    this.owner?.versions?.documentChanging(this, docKey, undefined);
    this.docs.set(docKey, doc);
    for (const [index, keys] of keysByIndex) index.add(docKey, keys);
    this.owner?.journal?.append({ op: "insert", db: this.dbName, coll: this.name, doc });
  }

  /** Replaces the document stored under `oldDoc`'s _id with `newDoc` (whose _id must be equal). */
  replace(oldDoc: Doc, newDoc: Doc, options: WriteOptions = {}): void {
    const docKey = hashKeyOf(oldDoc._id);
    if (!options.bypassDocumentValidation && this.validationApplies(oldDoc)) this.validate(newDoc);
    const keysByIndex = this.indexKeys(newDoc, docKey);
    this.owner?.versions?.documentChanging(this, docKey, this.docs.get(docKey));
    this.docs.set(docKey, newDoc);
    for (const [index, keys] of keysByIndex) {
      index.remove(docKey);
      index.add(docKey, keys);
    }
    this.owner?.journal?.append({ op: "replace", db: this.dbName, coll: this.name, doc: newDoc });
  }

  remove(doc: Doc): void {
    const docKey = hashKeyOf(doc._id);
    const stored = this.docs.get(docKey);
    if (!stored) return;
    this.owner?.versions?.documentChanging(this, docKey, stored);
    this.docs.delete(docKey);
    for (const index of this.indexes.values()) index.remove(docKey);
    this.owner?.journal?.append({ op: "remove", db: this.dbName, coll: this.name, id: doc._id });
  }

  clear(): void {
    const versions = this.owner?.versions;
    if (versions?.recording) for (const [docKey, doc] of this.docs) versions.documentChanging(this, docKey, doc);
    this.docs.clear();
    for (const index of this.indexes.values()) index.clear();
    this.owner?.journal?.append({ op: "clear", db: this.dbName, coll: this.name });
  }

  findById(id: unknown): Doc | undefined {
    return this.docs.get(hashKeyOf(id));
  }

  /**
   * What `insert` (no `oldDoc`) or `replace` checks besides uniqueness, without writing: a
   * transaction checks the writes it buffers with it. Returns each index's keys for `newDoc`.
   */
  checkWrite(newDoc: Doc, oldDoc: Doc | undefined, options: WriteOptions = {}): Array<[IndexStore, unknown[][]]> {
    if (!options.bypassDocumentValidation && (!oldDoc || this.validationApplies(oldDoc))) this.validate(newDoc);
    return [...this.indexes.values()].map((index) => [index, index.keysFor(newDoc)]);
  }

  /** Computes every index's keys and checks unique constraints before anything is written. */
  private indexKeys(doc: Doc, docKey: string): Array<[IndexStore, unknown[][]]> {
    const result: Array<[IndexStore, unknown[][]]> = [];
    for (const index of this.indexes.values()) {
      const keys = index.keysFor(doc);
      index.checkUnique(keys, docKey, this.namespace);
      result.push([index, keys]);
    }
    return result;
  }

  /** Under validationLevel "moderate", updates to documents that were already invalid are not checked. */
  private validationApplies(oldDoc: Doc): boolean {
    if (!this.validator || this.options.validationLevel === "off") return false;
    if (this.options.validationLevel === "moderate") return this.validator.failure(oldDoc) === null;
    return true;
  }

  validate(doc: Doc): void {
    if (!this.validator || this.options.validationLevel === "off") return;
    const details = this.validator.failure(doc);
    if (details === null) return;
    if (this.options.validationAction === "warn") {
      console.warn(`[mongo stand-in] document failed validation (warn) in ${this.namespace}`);
      return;
    }
    throw new CommandError(ErrorCodes.DocumentValidationFailure, "Document failed validation", {
      errInfo: { failingDocumentId: doc._id, details },
    });
  }

  createIndex(spec: IndexSpec): IndexStore {
    const index = new IndexStore(spec);
    for (const [docKey, doc] of this.docs) {
      const keys = index.keysFor(doc);
      index.checkUnique(keys, docKey, this.namespace);
      index.add(docKey, keys);
    }
    this.indexes.set(spec.name, index);
    this.owner?.journal?.append({ op: "createIndex", db: this.dbName, coll: this.name, spec });
    return index;
  }

  dropIndex(name: string): void {
    if (!this.indexes.delete(name)) return;
    this.owner?.journal?.append({ op: "dropIndex", db: this.dbName, coll: this.name, name });
  }

  /** Changes an index's options that do not affect its entries (collMod's `hidden`, `expireAfterSeconds`). */
  setIndexOptions(name: string, changes: { hidden?: boolean; expireAfterSeconds?: number }): void {
    const index = this.indexes.get(name);
    if (!index) return;
    Object.assign(index.spec, changes);
    this.owner?.journal?.append({ op: "indexOptions", db: this.dbName, coll: this.name, name, changes });
  }

  /** Predicate for a filter, with this collection's default collation unless one is given. */
  matcher(filter: Doc, options: { collation?: Doc; variables?: Doc }): Predicate {
    return compileFilter(filter, { collation: options.collation ?? this.options.collation, variables: options.variables, jsonSchema: jsonSchemaMatcher, planned: this });
  }
}

const jsonSchemaMatcher = (schema: Doc): ((doc: Doc) => boolean) => {
  const validator = compileValidator({ $jsonSchema: schema });
  return (doc) => validator.failure(doc) === null;
};

export function checkIdValue(id: unknown): void {
  const type = bsonTypeOf(id);
  if (type === "array" || type === "regex" || type === "undefined") {
    throw new CommandError(ErrorCodes.InvalidIdField, `The '_id' value cannot be of type ${type}`);
  }
  if (isPlainObject(id) && Object.keys(id).some((k) => k.startsWith("$"))) {
    throw new CommandError(ErrorCodes.DollarPrefixedFieldName, `_id fields may not contain '$'-prefixed fields: ${Object.keys(id).find((k) => k.startsWith("$"))} is not valid for storage.`);
  }
}
