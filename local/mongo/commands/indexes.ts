/** `createIndexes`, `listIndexes`, `dropIndexes`. */
import type { Document } from "bson";
import { isNumeric, isPlainObject, toNumber } from "../bson-values.ts";
import { CommandError, ErrorCodes } from "../errors.ts";
import { compileFilter } from "../query/match.ts";
import { isTextKey, normalizeTextSpec } from "../query/text-spec.ts";
import type { IndexSpec } from "../storage/index-store.ts";
import { type CommandHandler, targetCollection } from "./context.ts";

const INDEX_TYPES = new Set([1, -1, "2dsphere", "2d", "text", "hashed"]);
const SPEC_OPTIONS = new Set(["key", "name", "unique", "sparse", "partialFilterExpression", "expireAfterSeconds", "collation", "hidden", "v", "background", "weights", "default_language", "language_override", "textIndexVersion", "2dsphereIndexVersion", "bits", "min", "max", "wildcardProjection", "ns"]);

const defaultIndexName = (key: Document): string => Object.entries(key).map(([field, type]) => `${field}_${type}`).join("_");

function checkSpec(raw: unknown): IndexSpec {
  if (!isPlainObject(raw) || !isPlainObject(raw.key) || Object.keys(raw.key).length === 0) {
    throw new CommandError(ErrorCodes.FailedToParse, "Index spec must contain a non-empty 'key' object");
  }
  for (const [field, type] of Object.entries(raw.key)) {
    const normalized = isNumeric(type) ? Math.sign(toNumber(type)) : type;
    if (!INDEX_TYPES.has(normalized as never)) throw new CommandError(ErrorCodes.CannotCreateIndex, `Values in the index key pattern can contain only 1, -1, or a string index type; found ${String(type)} for field ${field}`);
  }
  for (const option of Object.keys(raw)) {
    if (!SPEC_OPTIONS.has(option)) throw new CommandError(ErrorCodes.InvalidIndexSpecificationOption, `The field '${option}' is not valid for an index specification.`);
  }
  if (raw.partialFilterExpression !== undefined) {
    if (!isPlainObject(raw.partialFilterExpression)) throw new CommandError(ErrorCodes.TypeMismatch, "partialFilterExpression must be an object");
    compileFilter(raw.partialFilterExpression);
  }
  const plugins = new Set(Object.entries(raw.key).filter(([field, t]) => typeof t === "string" && field !== "_fts").map(([, t]) => t));
  if (plugins.size > 1) throw new CommandError(ErrorCodes.CannotCreateIndex, "Can't use more than one index plugin for a single index.");
  const text = isTextKey(raw.key) ? normalizeTextSpec(raw) : undefined;
  const key = text ? (text.key as Document) : Object.fromEntries(Object.entries(raw.key).map(([f, t]) => [f, isNumeric(t) ? (toNumber(t) > 0 ? 1 : -1) : t]));
  const spec: IndexSpec = { v: 2, key, name: typeof raw.name === "string" ? raw.name : defaultIndexName(raw.key) };
  for (const option of ["unique", "sparse", "partialFilterExpression", "expireAfterSeconds", "collation", "hidden"]) {
    if (raw[option] !== undefined) spec[option] = raw[option];
  }
  if (spec.unique === false) delete spec.unique;
  if (spec.sparse === false) delete spec.sparse;
  if (text) {
    const { key: _, ...options } = text;
    Object.assign(spec, options);
  } else if (plugins.has("2dsphere")) {
    spec["2dsphereIndexVersion"] = geoIndexVersion(raw["2dsphereIndexVersion"]);
  }
  return spec;
}

/** 2dsphere indexes of version 2 and 3 leave out documents without the field; version 1 is long gone. */
function geoIndexVersion(value: unknown): number {
  if (value === undefined) return 3;
  const version = isNumeric(value) ? toNumber(value) : Number.NaN;
  if (version !== 2 && version !== 3) {
    throw new CommandError(ErrorCodes.CannotCreateIndex, `unsupported geo index version { 2dsphereIndexVersion : ${String(value)} }, only support versions: [2,3]`);
  }
  return version;
}

const sameOptions = (a: IndexSpec, b: IndexSpec): boolean =>
  JSON.stringify({ ...a, name: "" }) === JSON.stringify({ ...b, name: "" });
const sameKeyPattern = (a: IndexSpec, b: IndexSpec): boolean => JSON.stringify(a.key) === JSON.stringify(b.key);
const IDENTITY_OPTIONS = ["unique", "sparse", "partialFilterExpression", "collation"] as const;
const sameIdentity = (a: IndexSpec, b: IndexSpec): boolean =>
  IDENTITY_OPTIONS.every((option) => JSON.stringify(a[option]) === JSON.stringify(b[option]));

const createIndexes: CommandHandler = (ctx) => {
  const name = targetCollection(ctx);
  const raw = ctx.command.indexes;
  if (!Array.isArray(raw) || raw.length === 0) throw new CommandError(ErrorCodes.BadValue, "Must specify at least one index to create");
  const specs = raw.map(checkSpec);
  const existed = ctx.state.catalog.collection(ctx.db, name);
  const collection = ctx.state.catalog.collectionForWrite(ctx.db, name);
  const numIndexesBefore = collection.indexes.size;
  for (const spec of specs) {
    const sameName = collection.indexes.get(spec.name);
    const sameKey = [...collection.indexes.values()].find((i) => sameKeyPattern(i.spec, spec) && sameIdentity(i.spec, spec));
    if (sameName) {
      if (sameKeyPattern(sameName.spec, spec) && sameOptions(sameName.spec, spec)) continue;
      // Key pattern, uniqueness, sparseness, partial filter and collation make an index what it
      // is (86); other options only differ in behaviour (85).
      if (!sameKeyPattern(sameName.spec, spec) || !sameIdentity(sameName.spec, spec)) {
        throw new CommandError(ErrorCodes.IndexKeySpecsConflict, `An existing index has the same name as the requested index. When index names are not specified, they are auto generated and can cause conflicts. Please refer to our documentation. Requested index: ${JSON.stringify(spec)}, existing index: ${JSON.stringify(sameName.spec)}`);
      }
      throw new CommandError(ErrorCodes.IndexOptionsConflict, `An equivalent index already exists with the same name but different options. Requested index: ${JSON.stringify(spec)}, existing index: ${JSON.stringify(sameName.spec)}`);
    }
    if (sameKey) {
      if (sameOptions(sameKey.spec, spec)) throw new CommandError(ErrorCodes.IndexOptionsConflict, `Index already exists with a different name: ${sameKey.name}`);
      throw new CommandError(ErrorCodes.IndexOptionsConflict, `An equivalent index already exists with a different name and options. Requested index: ${JSON.stringify(spec)}, existing index: ${JSON.stringify(sameKey.spec)}`);
    }
    const textIndex = isTextKey(spec.key) && [...collection.indexes.values()].find((index) => index.text);
    if (textIndex) throw new CommandError(ErrorCodes.CannotCreateIndex, `only one text index per collection allowed, found existing text index "${textIndex.name}"`);
    collection.createIndex(spec);
  }
  return { numIndexesBefore, numIndexesAfter: collection.indexes.size, createdCollectionAutomatically: !existed };
};

const listIndexes: CommandHandler = (ctx) => {
  const name = targetCollection(ctx);
  const collection = ctx.state.catalog.collection(ctx.db, name);
  if (!collection) throw new CommandError(ErrorCodes.NamespaceNotFound, `ns does not exist: ${ctx.db}.${name}`);
  if (collection.isView) throw new CommandError(ErrorCodes.CommandNotSupportedOnView, `Namespace ${collection.namespace} is a view, not a collection`);
  const specs = [...collection.indexes.values()].map((index) => ({ ...index.spec }));
  const batchSize = isPlainObject(ctx.command.cursor) ? Number(ctx.command.cursor.batchSize ?? 101) : 101;
  return { cursor: ctx.state.cursors.firstBatch(`${ctx.db}.${name}`, specs, batchSize, ctx.connection.id) };
};

const dropIndexes: CommandHandler = (ctx) => {
  const name = targetCollection(ctx);
  const collection = ctx.state.catalog.collection(ctx.db, name);
  if (!collection) throw new CommandError(ErrorCodes.NamespaceNotFound, `ns not found ${ctx.db}.${name}`);
  const nIndexesWas = collection.indexes.size;
  const target = ctx.command.index;
  const names: string[] = [];
  if (target === "*") names.push(...[...collection.indexes.keys()].filter((n) => n !== "_id_"));
  else if (typeof target === "string") names.push(target);
  else if (Array.isArray(target)) names.push(...target.map(String));
  else if (isPlainObject(target)) {
    const index = [...collection.indexes.values()].find((i) => JSON.stringify(i.spec.key) === JSON.stringify(target));
    if (!index) throw new CommandError(ErrorCodes.IndexNotFound, `can't find index with key: ${JSON.stringify(target)}`);
    names.push(index.name);
  } else throw new CommandError(ErrorCodes.TypeMismatch, "'index' must be a string, an array of strings or a key pattern");
  for (const indexName of names) {
    if (indexName === "_id_") throw new CommandError(ErrorCodes.InvalidOptions, "cannot drop _id index");
    if (!collection.indexes.has(indexName)) throw new CommandError(ErrorCodes.IndexNotFound, `index not found with name [${indexName}]`);
  }
  for (const indexName of names) collection.dropIndex(indexName);
  return { nIndexesWas };
};

export const indexCommands: Record<string, CommandHandler> = { createIndexes, listIndexes, dropIndexes };
