/**
 * Atlas's search index commands, which the driver's `createSearchIndex(es)`, `dropSearchIndex`
 * and `updateSearchIndex` send (`listSearchIndexes` is the `$listSearchIndexes` stage). A
 * missing index answers NamespaceNotFound on drop, which the driver treats as done.
 */
import { isPlainObject } from "../bson-values.ts";
import { CommandError, ErrorCodes } from "../errors.ts";
import { checkDefinition, newSearchIndex, searchIndexesOf, setSearchIndexes, type SearchIndex } from "../search/search-indexes.ts";
import type { CollectionStore } from "../storage/collection-store.ts";
import { type CommandContext, type CommandHandler, targetCollection } from "./context.ts";

function existing(ctx: CommandContext): CollectionStore {
  const name = targetCollection(ctx);
  const collection = ctx.state.catalog.collection(ctx.db, name);
  if (!collection) throw new CommandError(ErrorCodes.NamespaceNotFound, `Collection '${ctx.db}.${name}' does not exist.`);
  if (collection.isView) throw new CommandError(ErrorCodes.CommandNotSupportedOnView, `Namespace ${collection.namespace} is a view, not a collection`);
  return collection;
}

/** The index a command names by `name` or `id`. */
function named(ctx: CommandContext, indexes: SearchIndex[]): SearchIndex | undefined {
  const { name, id } = ctx.command;
  if (name === undefined && id === undefined) throw new CommandError(ErrorCodes.InvalidOptions, "Either 'name' or 'id' must be specified");
  return indexes.find((index) => (name === undefined || index.name === name) && (id === undefined || index.id === id));
}

const createSearchIndexes: CommandHandler = (ctx) => {
  const name = targetCollection(ctx);
  const raw = ctx.command.indexes;
  if (!Array.isArray(raw) || raw.length === 0) throw new CommandError(ErrorCodes.BadValue, "The 'indexes' field must be a non-empty array of search index specifications");
  const created = raw.map(newSearchIndex);
  const collection = ctx.state.catalog.collectionForWrite(ctx.db, name);
  const indexes = searchIndexesOf(collection);
  for (const [i, index] of created.entries()) {
    if (indexes.some((other) => other.name === index.name) || created.slice(0, i).some((other) => other.name === index.name)) {
      throw new CommandError(ErrorCodes.IndexAlreadyExists, `Duplicate Index: an index named '${index.name}' already exists on ${collection.namespace}`);
    }
  }
  setSearchIndexes(collection, [...indexes, ...created], ctx.state.catalog.journal);
  return { indexesCreated: created.map(({ id, name: indexName }) => ({ id, name: indexName })) };
};

const dropSearchIndex: CommandHandler = (ctx) => {
  const collection = existing(ctx);
  const indexes = searchIndexesOf(collection);
  const index = named(ctx, indexes);
  if (!index) throw new CommandError(ErrorCodes.NamespaceNotFound, `Search index not found: ${String(ctx.command.name ?? ctx.command.id)}`);
  setSearchIndexes(collection, indexes.filter((other) => other !== index), ctx.state.catalog.journal);
  return {};
};

const updateSearchIndex: CommandHandler = (ctx) => {
  const collection = existing(ctx);
  const indexes = searchIndexesOf(collection);
  const index = named(ctx, indexes);
  if (!index) throw new CommandError(ErrorCodes.IndexNotFound, `Search index not found: ${String(ctx.command.name ?? ctx.command.id)}`);
  if (!isPlainObject(ctx.command.definition)) throw new CommandError(ErrorCodes.FailedToParse, "BSON field 'definition' is missing or not an object");
  const updated: SearchIndex = { ...index, definition: checkDefinition(index.type, ctx.command.definition), version: index.version + 1, createdAt: new Date() };
  setSearchIndexes(collection, indexes.map((other) => (other === index ? updated : other)), ctx.state.catalog.journal);
  return {};
};

export const searchIndexCommands: Record<string, CommandHandler> = { createSearchIndexes, dropSearchIndex, updateSearchIndex };
