/** `create` (collections and views), `collMod`, `listCollections`, `drop`, `renameCollection`. */
import type { Document } from "bson";
import { checkPipeline } from "../aggregate/pipeline.ts";
import { isPlainObject } from "../bson-values.ts";
import { CommandError, ErrorCodes } from "../errors.ts";
import { compileFilter } from "../query/match.ts";
import type { CollectionOptions, CollectionStore } from "../storage/collection-store.ts";
import { compileValidator } from "../storage/validation.ts";
import { type CommandHandler, targetCollection } from "./context.ts";

const VALIDATION_LEVELS = ["off", "strict", "moderate"];
const VALIDATION_ACTIONS = ["error", "warn", "errorAndLog"];
const CREATE_OPTIONS = ["validator", "validationLevel", "validationAction", "viewOn", "pipeline", "collation", "capped", "size", "max", "timeseries", "expireAfterSeconds", "clusteredIndex", "changeStreamPreAndPostImages", "storageEngine", "indexOptionDefaults", "encryptedFields"];

function validationOptions(command: Document, options: CollectionOptions): CollectionOptions {
  const next = { ...options };
  if (command.validator !== undefined) {
    if (!isPlainObject(command.validator)) throw new CommandError(ErrorCodes.TypeMismatch, "'validator' must be an object");
    compileValidator(command.validator);
    next.validator = command.validator;
  }
  if (command.validationLevel !== undefined) {
    if (!VALIDATION_LEVELS.includes(command.validationLevel)) throw new CommandError(ErrorCodes.BadValue, `Enumeration value '${command.validationLevel}' for field 'validationLevel' is not a valid value.`);
    next.validationLevel = command.validationLevel;
  }
  if (command.validationAction !== undefined) {
    if (!VALIDATION_ACTIONS.includes(command.validationAction)) throw new CommandError(ErrorCodes.BadValue, `Enumeration value '${command.validationAction}' for field 'validationAction' is not a valid value.`);
    next.validationAction = command.validationAction;
  }
  return next;
}

const create: CommandHandler = (ctx) => {
  const name = targetCollection(ctx);
  const { command } = ctx;
  let options: CollectionOptions = {};
  for (const key of CREATE_OPTIONS) if (command[key] !== undefined) options[key] = command[key];
  options = validationOptions(command, options);
  if (command.viewOn !== undefined) {
    if (typeof command.viewOn !== "string") throw new CommandError(ErrorCodes.TypeMismatch, "'viewOn' must be a string");
    if (options.validator) throw new CommandError(ErrorCodes.InvalidOptions, "Invalid options for a view: validator");
    options.pipeline = checkPipeline(command.pipeline ?? []);
  } else if (command.pipeline !== undefined) {
    throw new CommandError(ErrorCodes.BadValue, "'pipeline' requires 'viewOn' to also be specified");
  }
  const existing = ctx.state.catalog.collection(ctx.db, name);
  if (existing) {
    // Creating an existing collection with identical options is not an error since 7.0.
    if (JSON.stringify(existing.options) === JSON.stringify(options)) return {};
    throw new CommandError(ErrorCodes.NamespaceExists, `Collection ${ctx.db}.${name} already exists.`);
  }
  ctx.state.catalog.create(ctx.db, name, options);
  return {};
};

const collMod: CommandHandler = (ctx) => {
  const name = targetCollection(ctx);
  const collection = ctx.state.catalog.collection(ctx.db, name);
  if (!collection) throw new CommandError(ErrorCodes.NamespaceNotFound, `ns does not exist: ${ctx.db}.${name}`);
  if (collection.isView) {
    const pipeline = ctx.command.pipeline !== undefined ? checkPipeline(ctx.command.pipeline) : collection.options.pipeline;
    collection.setValidator({ ...collection.options, viewOn: ctx.command.viewOn ?? collection.options.viewOn, pipeline });
    return {};
  }
  collection.setValidator(validationOptions(ctx.command, collection.options));
  if (isPlainObject(ctx.command.index)) {
    const spec = ctx.command.index;
    const index = [...collection.indexes.values()].find((i) => i.name === spec.name || JSON.stringify(i.spec.key) === JSON.stringify(spec.keyPattern));
    if (!index) throw new CommandError(ErrorCodes.IndexNotFound, `cannot find index ${JSON.stringify(spec)} for ns ${collection.namespace}`);
    const changes: { expireAfterSeconds?: number; hidden?: boolean } = {};
    if (spec.expireAfterSeconds !== undefined) changes.expireAfterSeconds = Number(spec.expireAfterSeconds);
    if (spec.hidden !== undefined) changes.hidden = spec.hidden === true;
    if (Object.keys(changes).length) collection.setIndexOptions(index.name, changes);
  }
  return {};
};

function collectionInfo(collection: CollectionStore): Document {
  if (collection.isView) {
    return { name: collection.name, type: "view", options: { viewOn: collection.options.viewOn, pipeline: collection.options.pipeline }, info: { readOnly: true } };
  }
  return {
    name: collection.name,
    type: "collection",
    options: { ...collection.options },
    info: { readOnly: false, uuid: collection.uuid },
    idIndex: { v: 2, key: { _id: 1 }, name: "_id_" },
  };
}

const listCollections: CommandHandler = (ctx) => {
  const filter = ctx.command.filter;
  if (filter !== undefined && filter !== null && !isPlainObject(filter)) throw new CommandError(ErrorCodes.TypeMismatch, "'filter' must be an object");
  const matches = compileFilter(filter ?? {});
  const nameOnly = ctx.command.nameOnly === true;
  const infos = [...(ctx.state.catalog.database(ctx.db)?.values() ?? [])]
    .map(collectionInfo)
    .filter((info) => matches(info))
    .map((info) => (nameOnly ? { name: info.name, type: info.type } : info));
  const batchSize = isPlainObject(ctx.command.cursor) ? Number(ctx.command.cursor.batchSize ?? 101) : 101;
  return { cursor: ctx.state.cursors.firstBatch(`${ctx.db}.$cmd.listCollections`, infos, batchSize, ctx.connection.id) };
};

const drop: CommandHandler = (ctx) => {
  const name = targetCollection(ctx);
  const collection = ctx.state.catalog.collection(ctx.db, name);
  // Since 7.0 dropping a missing collection succeeds.
  if (!collection) return { ns: `${ctx.db}.${name}` };
  const nIndexesWas = collection.indexes.size;
  ctx.state.catalog.drop(ctx.db, name);
  return { ns: collection.namespace, nIndexesWas };
};

const renameCollection: CommandHandler = (ctx) => {
  if (ctx.db !== "admin") throw new CommandError(ErrorCodes.Unauthorized, "renameCollection may only be run against the admin database.");
  const from = ctx.command.renameCollection;
  const to = ctx.command.to;
  if (typeof from !== "string" || typeof to !== "string") throw new CommandError(ErrorCodes.TypeMismatch, "'renameCollection' and 'to' must be namespace strings");
  const [fromDb, fromName] = splitNamespace(from);
  const [toDb, toName] = splitNamespace(to);
  if (from === to) throw new CommandError(ErrorCodes.IllegalOperation, "Can't rename a collection to itself");
  ctx.state.catalog.rename(fromDb, fromName, toDb, toName, ctx.command.dropTarget === true);
  return {};
};

function splitNamespace(namespace: string): [string, string] {
  const dot = namespace.indexOf(".");
  if (dot <= 0 || dot === namespace.length - 1) throw new CommandError(ErrorCodes.InvalidNamespace, `Invalid namespace specified '${namespace}'`);
  return [namespace.slice(0, dot), namespace.slice(dot + 1)];
}

export const collectionCommands: Record<string, CommandHandler> = { create, collMod, listCollections, drop, renameCollection };
