/**
 * The local MongoDB stand-in: a TCP server speaking MongoDB's wire protocol over an in-memory
 * catalog, kept on disk as well when given a `dbpath`. A development and test tool, never a
 * production database.
 */
import { createServer, type AddressInfo } from "node:net";
import type { ServerState } from "./commands/context.ts";
import { CursorRegistry } from "./cursors.ts";
import { SessionRegistry } from "./sessions.ts";
import { Catalog } from "./storage/catalog.ts";
import { openDbpath, type Persistence } from "./storage/persistence.ts";
import { serveConnection } from "./wire/connection.ts";

export interface MongoStandInOptions {
  /** TCP port; 0 picks a free one. */
  port?: number;
  host?: string;
  /**
   * A directory to keep the data in (created if missing): every acknowledged write is journaled
   * there first, and the next start on it finds the data again. Without one, data lives in memory.
   */
  dbpath?: string;
  /** Journal size past which it is folded into a new snapshot (default 64 MiB); small in tests. */
  journalCompactBytes?: number;
}

export interface MongoStandIn {
  /** A connection string for the official driver, e.g. `mongodb://127.0.0.1:27017/?directConnection=true`. */
  uri: string;
  port: number;
  /** Closes every connection; with a dbpath, also compacts the journal and releases the dbpath. */
  stop(): Promise<void>;
}

/**
 * Starts a stand-in server and resolves once it listens.
 * @example
 * const mongo = await startMongoStandIn({ port: 0 });
 * const client = new MongoClient(mongo.uri);
 */
export async function startMongoStandIn({ port = 0, host = "127.0.0.1", dbpath, journalCompactBytes }: MongoStandInOptions = {}): Promise<MongoStandIn> {
  let nextConnectionId = 1;
  const sockets = new Set<import("node:net").Socket>();
  const catalog = new Catalog();
  // The data is loaded before the port opens, so no client ever sees a half-replayed catalog.
  const persistence: Persistence | undefined = dbpath ? await openDbpath(dbpath, catalog, journalCompactBytes) : undefined;
  const server = createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => resolve());
    });
  } catch (error) {
    await persistence?.close();
    throw error;
  }
  const actualPort = (server.address() as AddressInfo).port;
  const state: ServerState = {
    catalog,
    cursors: new CursorRegistry(),
    sessions: new SessionRegistry(),
    startedAt: new Date(),
    port: actualPort,
    connectionCount: 0,
    queryExecutor: { scannedObjects: 0 },
  };
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    state.connectionCount++;
    serveConnection(socket, state, { id: nextConnectionId++, remote: `${socket.remoteAddress}:${socket.remotePort}` });
  });
  return {
    uri: `mongodb://${host}:${actualPort}/?directConnection=true`,
    port: actualPort,
    stop: async () => {
      await new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      });
      await persistence?.close();
    },
  };
}
