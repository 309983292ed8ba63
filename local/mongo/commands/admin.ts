/** Server and database administration: `listDatabases`, `dropDatabase`, stats, `serverStatus`. */
import { serialize, type Document } from "bson";
import { CommandError, ErrorCodes } from "../errors.ts";
import { compileFilter } from "../query/match.ts";
import type { CollectionStore } from "../storage/collection-store.ts";
import { SERVER_VERSION } from "./handshake.ts";
import { type CommandHandler, targetCollection } from "./context.ts";

function dataSize(collection: CollectionStore): number {
  let bytes = 0;
  for (const doc of collection.docs.values()) bytes += serialize(doc).length;
  return bytes;
}

export function collectionStats(collection: CollectionStore): Document {
  const size = dataSize(collection);
  const count = collection.docs.size;
  const indexSizes = Object.fromEntries([...collection.indexes.values()].map((index) => [index.name, index.entryCount * 32]));
  const totalIndexSize = Object.values(indexSizes).reduce((a, b) => a + b, 0);
  return {
    size, count, avgObjSize: count ? Math.round(size / count) : 0, storageSize: size, freeStorageSize: 0,
    capped: collection.options.capped === true, nindexes: collection.indexes.size, indexSizes, totalIndexSize, totalSize: size + totalIndexSize,
  };
}

const listDatabases: CommandHandler = (ctx) => {
  const matches = compileFilter((ctx.command.filter as Document) ?? {});
  const databases = [...ctx.state.catalog.databases.entries()].map(([name, collections]) => {
    const sizeOnDisk = [...collections.values()].reduce((sum, c) => sum + (c.isView ? 0 : dataSize(c)), 0);
    return { name, sizeOnDisk, empty: sizeOnDisk === 0 };
  }).filter((db) => matches(db));
  if (ctx.command.nameOnly === true) return { databases: databases.map(({ name }) => ({ name })) };
  return { databases, totalSize: databases.reduce((sum, db) => sum + db.sizeOnDisk, 0), totalSizeMb: 0 };
};

const dropDatabase: CommandHandler = (ctx) => {
  ctx.state.catalog.dropDatabase(ctx.db);
  return { dropped: ctx.db };
};

const dbStats: CommandHandler = (ctx) => {
  const collections = [...(ctx.state.catalog.database(ctx.db)?.values() ?? [])];
  const stats = collections.filter((c) => !c.isView).map(collectionStats);
  const sum = (field: string) => stats.reduce((total, s) => total + (s[field] as number), 0);
  const objects = sum("count");
  return {
    db: ctx.db, collections: stats.length, views: collections.length - stats.length, objects,
    avgObjSize: objects ? sum("size") / objects : 0, dataSize: sum("size"), storageSize: sum("storageSize"),
    indexes: sum("nindexes"), indexSize: sum("totalIndexSize"), totalSize: sum("totalSize"), scaleFactor: 1,
  };
};

const collStats: CommandHandler = (ctx) => {
  const name = targetCollection(ctx);
  const collection = ctx.state.catalog.collection(ctx.db, name);
  if (!collection) throw new CommandError(ErrorCodes.NamespaceNotFound, `Collection [${ctx.db}.${name}] not found.`);
  return { ns: collection.namespace, ...collectionStats(collection) };
};

const serverStatus: CommandHandler = (ctx) => {
  const memory = process.memoryUsage();
  return {
    host: `localhost:${ctx.state.port}`, version: SERVER_VERSION, process: "mongod", pid: process.pid,
    uptime: Math.floor((Date.now() - ctx.state.startedAt.getTime()) / 1000), localTime: new Date(),
    connections: { current: ctx.state.connectionCount, available: 1000 },
    mem: { bits: 64, resident: Math.round(memory.rss / 1048576), virtual: Math.round(memory.heapTotal / 1048576) },
    metrics: { cursor: { open: { total: ctx.state.cursors.size } }, queryExecutor: { ...ctx.state.queryExecutor }, ttl: { ...ctx.state.ttl.stats } },
    storageEngine: ctx.state.catalog.journal ? { name: "journal", persistent: true } : { name: "inMemory", persistent: false },
  };
};

export const adminCommands: Record<string, CommandHandler> = { listDatabases, dropDatabase, dbStats, collStats, serverStatus };
