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
import { DEFAULT_TTL_SLEEP_SECS, startTtlMonitor } from "./storage/ttl-monitor.ts";
import { REPLICA_SET_NAME } from "./commands/handshake.ts";
import { TransactionManager } from "./transactions/manager.ts";
import { openDbpath, type Persistence } from "./storage/persistence.ts";
import { serveConnection } from "./wire/connection.ts";

export interface MongoStandInOptions {
  /** Seconds between TTL monitor passes (MongoDB's `ttlMonitorSleepSecs`, 60 by default). */
  ttlMonitorSleepSecs?: number;
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
  /** How long a transaction may stay open before it is aborted (default 60, as on the server). */
  transactionLifetimeLimitSeconds?: number;
}

export interface MongoStandIn {
  /** A connection string for the official driver, e.g. `mongodb://127.0.0.1:27017/?directConnection=true`. */
  uri: string;
  /** The same server for a driver that discovers the (single-node) replica set from its `hosts`. */
  replicaSetUri: string;
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
export async function startMongoStandIn({ port = 0, host = "127.0.0.1", dbpath, journalCompactBytes, transactionLifetimeLimitSeconds, ttlMonitorSleepSecs = DEFAULT_TTL_SLEEP_SECS }: MongoStandInOptions = {}): Promise<MongoStandIn> {
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
  const cursors = new CursorRegistry();
  const state: ServerState = {
    catalog,
    cursors,
    sessions: new SessionRegistry(),
    transactions: new TransactionManager(catalog, (ids) => cursors.kill(ids), transactionLifetimeLimitSeconds),
    ttl: startTtlMonitor(catalog, { sleepSecs: ttlMonitorSleepSecs }),
    startedAt: new Date(),
    port: actualPort,
    connectionCount: 0,
    queryExecutor: { scannedObjects: 0 },
  };
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    state.connectionCount++;
    serveConnection(socket, state, {
      id: nextConnectionId++,
      remote: `${socket.remoteAddress}:${socket.remotePort}`,
      local: addressOf(socket.localAddress ?? host, socket.localPort ?? actualPort),
    });
  });
  return {
    uri: `mongodb://${host}:${actualPort}/?directConnection=true`,
    replicaSetUri: `mongodb://${host}:${actualPort}/?replicaSet=${REPLICA_SET_NAME}`,
    port: actualPort,
    stop: async () => {
      // Open transactions end with the server, their writes never applied.
      state.transactions.endSessions(state.sessions.all());
      state.ttl.stop();
      await new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      });
      await persistence?.close();
    },
  };
}

/** host:port as a client writes it: IPv4-mapped addresses unwrapped, IPv6 in brackets. */
function addressOf(host: string, port: number): string {
  const plain = host.startsWith("::ffff:") ? host.slice("::ffff:".length) : host;
  return plain.includes(":") ? `[${plain}]:${port}` : `${plain}:${port}`;
}
