import type { AnyBulkWriteOperation, BulkWriteResult, Collection, Db } from "mongodb";
import type { Document } from "./format.ts";
import { convertCommonOptions } from "./entities.ts";

// Spec operation name → driver v7 call (RUNNER-NOTES §4). Test files put required arguments and
// options side by side ([UTF §Expressing Required and Optional Parameters]): required ones are
// taken out by name and position, every other argument must be a known option of the operation.

type AnyCollection = Collection<Document>;

export interface OperationSpec {
  target: "collection" | "database";
  required: readonly string[];
  options: readonly string[];
  /** find and aggregate return root-level documents ([UTF §Evaluating Matches]). */
  returnsRootDocuments?: boolean;
  run(target: never, args: unknown[], options: Document): Promise<unknown>;
}

const COMMON = ["comment", "rawData", "readConcern", "readPreference", "writeConcern", "timeoutMS"];
const AGGREGATE = [...COMMON, "allowDiskUse", "batchSize", "bypassDocumentValidation", "collation", "hint", "let", "maxAwaitTimeMS", "maxTimeMS"];
const FIND = [
  ...COMMON, "allowDiskUse", "allowPartialResults", "batchSize", "collation", "cursorType", "hint", "let", "limit", "max",
  "maxAwaitTimeMS", "maxTimeMS", "min", "noCursorTimeout", "projection", "returnKey", "showRecordId", "skip", "sort",
];
const COUNT = [...COMMON, "collation", "hint", "limit", "maxTimeMS", "skip"];
const WRITE = [...COMMON, "bypassDocumentValidation"];
const UPDATE = [...WRITE, "arrayFilters", "collation", "hint", "upsert", "let"];
const DELETE = [...COMMON, "collation", "hint", "let"];
const FIND_AND_MODIFY = [...COMMON, "collation", "hint", "let", "maxTimeMS", "projection", "sort"];
const INDEX = [
  ...COMMON, "name", "unique", "sparse", "background", "expireAfterSeconds", "partialFilterExpression", "collation",
  "hidden", "storageEngine", "version", "weights", "default_language", "language_override", "textIndexVersion",
  "2dsphereIndexVersion", "bits", "min", "max", "wildcardProjection", "commitQuorum", "maxTimeMS",
];
const CREATE_COLLECTION = [
  ...COMMON, "viewOn", "pipeline", "capped", "size", "max", "validator", "validationLevel", "validationAction", "collation",
  "timeseries", "expireAfterSeconds", "clusteredIndex", "changeStreamPreAndPostImages", "encryptedFields",
  "storageEngine", "indexOptionDefaults",
];
const MODIFY_COLLECTION = [...COMMON, "validator", "validationLevel", "validationAction", "index", "expireAfterSeconds", "changeStreamPreAndPostImages"];
const BULK_REQUESTS = new Set(["insertOne", "updateOne", "updateMany", "replaceOne", "deleteOne", "deleteMany"]);

function collectionOperation(
  required: readonly string[],
  options: readonly string[],
  run: (collection: AnyCollection, args: any[], options: Document) => Promise<unknown>,
  returnsRootDocuments = false,
): OperationSpec {
  return { target: "collection", required, options, run: run as OperationSpec["run"], returnsRootDocuments };
}

function databaseOperation(
  required: readonly string[],
  options: readonly string[],
  run: (db: Db, args: any[], options: Document) => Promise<unknown>,
  returnsRootDocuments = false,
): OperationSpec {
  return { target: "database", required, options, run: run as OperationSpec["run"], returnsRootDocuments };
}

export const COLLECTION_OPERATIONS: Readonly<Record<string, OperationSpec>> = {
  aggregate: collectionOperation(["pipeline"], AGGREGATE, (c, [pipeline], o) => c.aggregate(pipeline, o).toArray(), true),
  bulkWrite: collectionOperation(["requests"], [...WRITE, "ordered", "let"], async (c, [requests], o) => c.bulkWrite(toBulkRequests(requests), o)),
  count: collectionOperation(["filter"], COUNT, (c, [filter], o) => c.count(filter, o)),
  countDocuments: collectionOperation(["filter"], COUNT, (c, [filter], o) => c.countDocuments(filter, o)),
  createIndex: collectionOperation(["keys"], INDEX, (c, [keys], o) => c.createIndex(keys, o)),
  deleteMany: collectionOperation(["filter"], DELETE, (c, [filter], o) => c.deleteMany(filter, o)),
  deleteOne: collectionOperation(["filter"], DELETE, (c, [filter], o) => c.deleteOne(filter, o)),
  distinct: collectionOperation(["fieldName", "filter"], [...COMMON, "collation", "hint", "maxTimeMS"], (c, [field, filter], o) => c.distinct(field, filter, o)),
  estimatedDocumentCount: collectionOperation([], [...COMMON, "maxTimeMS"], (c, [], o) => c.estimatedDocumentCount(o)),
  find: collectionOperation(["filter"], FIND, (c, [filter], o) => c.find(filter, o).toArray(), true),
  findOne: collectionOperation(["filter"], FIND, (c, [filter], o) => c.findOne(filter, o)),
  findOneAndDelete: collectionOperation(["filter"], FIND_AND_MODIFY, (c, [filter], o) => c.findOneAndDelete(filter, o)),
  findOneAndReplace: collectionOperation(
    ["filter", "replacement"], [...FIND_AND_MODIFY, "bypassDocumentValidation", "returnDocument", "upsert"],
    (c, [filter, replacement], o) => c.findOneAndReplace(filter, replacement, o),
  ),
  findOneAndUpdate: collectionOperation(
    ["filter", "update"], [...FIND_AND_MODIFY, "arrayFilters", "bypassDocumentValidation", "returnDocument", "upsert"],
    (c, [filter, update], o) => c.findOneAndUpdate(filter, update, o),
  ),
  // The driver adds a generated _id to the documents it is given, so it gets copies.
  insertMany: collectionOperation(["documents"], [...WRITE, "ordered"], (c, [documents], o) => c.insertMany(documents.map(copyDocument), o)),
  insertOne: collectionOperation(["document"], WRITE, (c, [document], o) => c.insertOne(copyDocument(document), o)),
  replaceOne: collectionOperation(["filter", "replacement"], [...UPDATE.filter((name) => name !== "arrayFilters"), "sort"], (c, [filter, replacement], o) => c.replaceOne(filter, replacement, o)),
  updateMany: collectionOperation(["filter", "update"], UPDATE, (c, [filter, update], o) => c.updateMany(filter, update, o)),
  updateOne: collectionOperation(["filter", "update"], [...UPDATE, "sort"], (c, [filter, update], o) => c.updateOne(filter, update, o)),
};

export const DATABASE_OPERATIONS: Readonly<Record<string, OperationSpec>> = {
  aggregate: databaseOperation(["pipeline"], AGGREGATE, (db, [pipeline], o) => db.aggregate(pipeline, o).toArray(), true),
  createCollection: databaseOperation(["collection"], CREATE_COLLECTION, async (db, [name], o) => {
    await db.createCollection(name, o);
  }),
  dropCollection: databaseOperation(["collection"], [...COMMON, "encryptedFields"], (db, [name], o) => db.dropCollection(name, o)),
  modifyCollection: databaseOperation(["collection"], MODIFY_COLLECTION, (db, [name], o) => db.command({ collMod: name, ...o })),
};

export function findOperation(targetType: string | undefined, name: string): OperationSpec | undefined {
  const table = targetType === "collection" ? COLLECTION_OPERATIONS : targetType === "database" ? DATABASE_OPERATIONS : undefined;
  return table && Object.hasOwn(table, name) ? table[name] : undefined;
}

/** Splits an operation's arguments into required values (in order) and driver options. */
export function prepareArguments(name: string, spec: OperationSpec, args: Document = {}): { required: unknown[]; options: Document } {
  const missing = spec.required.filter((key) => args[key] === undefined);
  if (missing.length > 0) throw new Error(`${name}: missing required argument ${missing.join(", ")}`);
  const options: Document = {};
  for (const [key, value] of Object.entries(args)) {
    if (spec.required.includes(key)) continue;
    if (!spec.options.includes(key)) throw new Error(`${name}: unsupported argument ${key}`);
    options[key] = value;
  }
  return { required: spec.required.map((key) => args[key]), options: convertOptions(options) };
}

function convertOptions(options: Document): Document {
  const { readConcern, readPreference, writeConcern, timeoutMS, ...rest } = options;
  const converted: Document = { ...rest, ...convertCommonOptions(withoutUndefined({ readConcern, readPreference, writeConcern, timeoutMS })) };
  if (options.returnDocument !== undefined) converted.returnDocument = convertReturnDocument(options.returnDocument);
  return converted;
}

// The files say "Before"/"After"; the driver wants lower case ([UTF §findOneAndReplace and findOneAndUpdate]).
function convertReturnDocument(value: unknown): "before" | "after" {
  const lower = typeof value === "string" ? value.toLowerCase() : undefined;
  if (lower === "before" || lower === "after") return lower;
  throw new Error(`returnDocument must be "Before" or "After", got ${JSON.stringify(value)}`);
}

function toBulkRequests(requests: unknown): AnyBulkWriteOperation<Document>[] {
  if (!Array.isArray(requests)) throw new Error("bulkWrite: requests must be an array");
  return requests.map((request: Document) => {
    const kinds = Object.keys(request);
    if (kinds.length !== 1 || !BULK_REQUESTS.has(kinds[0])) throw new Error(`bulkWrite: unsupported request ${kinds.join(", ")}`);
    const model = request[kinds[0]] as Document;
    const converted = kinds[0] === "insertOne" ? { insertOne: { ...model, document: copyDocument(model.document) } } : request;
    return converted as AnyBulkWriteOperation<Document>;
  });
}

/** Converts a driver result (a model object such as BulkWriteResult) into a document for matching. */
export function toResultDocument(result: unknown): unknown {
  if (isBulkWriteResult(result)) {
    const { insertedCount, matchedCount, modifiedCount, deletedCount, upsertedCount, upsertedIds, insertedIds } = result;
    return { insertedCount, matchedCount, modifiedCount, deletedCount, upsertedCount, upsertedIds, insertedIds };
  }
  return result;
}

// The driver exports BulkWriteResult as a type only, so it is recognised by shape.
function isBulkWriteResult(value: unknown): value is BulkWriteResult {
  return value !== null && typeof value === "object" && typeof (value as BulkWriteResult).getRawResponse === "function" &&
    "upsertedIds" in value && "insertedIds" in value;
}

function copyDocument(document: unknown): Document {
  if (document === null || typeof document !== "object" || Array.isArray(document)) {
    throw new Error(`expected a document, got ${JSON.stringify(document)}`);
  }
  return { ...(document as Document) };
}

function withoutUndefined(document: Document): Document {
  return Object.fromEntries(Object.entries(document).filter(([, value]) => value !== undefined));
}
