/**
 * The local MongoDB stand-in: a TCP server speaking MongoDB's wire protocol over an in-memory
 * catalog. A development and test tool, never a production database.
 */
import { createServer, type AddressInfo } from "node:net";
import type { ServerState } from "./commands/context.ts";
import { CursorRegistry } from "./cursors.ts";
import { SessionRegistry } from "./sessions.ts";
import { Catalog } from "./storage/catalog.ts";
import { serveConnection } from "./wire/connection.ts";

export interface MongoStandInOptions {
  /** TCP port; 0 picks a free one. */
  port?: number;
  host?: string;
}

export interface MongoStandIn {
  /** A connection string for the official driver, e.g. `mongodb://127.0.0.1:27017/?directConnection=true`. */
  uri: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * Starts a stand-in server and resolves once it listens.
 * @example
 * const mongo = await startMongoStandIn({ port: 0 });
 * const client = new MongoClient(mongo.uri);
 */
export async function startMongoStandIn({ port = 0, host = "127.0.0.1" }: MongoStandInOptions = {}): Promise<MongoStandIn> {
  let nextConnectionId = 1;
  const sockets = new Set<import("node:net").Socket>();
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const actualPort = (server.address() as AddressInfo).port;
  const state: ServerState = {
    catalog: new Catalog(),
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
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
