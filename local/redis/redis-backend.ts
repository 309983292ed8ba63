/**
 * The bridge's store when a real redis-server is available: ioredis, commands sent generically
 * with `callBuffer` so keys and values stay binary safe.
 *
 * Ordinary commands share one multiplexed connection. Transactions and blocking commands each
 * borrow a dedicated connection from a small pool, so a MULTI never interleaves with another
 * request and a BLPOP never stalls everyone else.
 */
import { Redis, ReplyError } from "ioredis";
import { RedisCommandError, type Command, type Outcome, type RedisBackend } from "./protocol.ts";

const BLOCKING_COMMANDS = new Set([
  "BLPOP", "BRPOP", "BRPOPLPUSH", "BLMOVE", "BLMPOP", "BZPOPMIN", "BZPOPMAX", "BZMPOP", "WAIT", "WAITAOF",
]);
const MAX_IDLE_DEDICATED = 4;

/** Connects to `url` and resolves once the server answers; rejects when it cannot be reached. */
export async function connectRedisBackend(url: string): Promise<RedisBackend> {
  let lastError: Error | undefined;
  const shared = new Redis(url, {
    lazyConnect: true,
    connectionName: "upstash-rest-bridge",
    // Fail a request at once when the server went away, as a REST endpoint whose store is gone
    // would, instead of holding it through ioredis's reconnect backoff.
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
  });
  // Without a listener ioredis prints every reconnect failure; the failing request reports it.
  shared.on("error", (error: Error) => (lastError = error));
  try {
    await shared.connect();
  } catch (error) {
    shared.disconnect();
    throw new Error(`cannot reach redis at ${url}: ${(lastError ?? error as Error).message}`, { cause: error });
  }
  const pool = createDedicatedPool(shared);

  async function onConnection<T>(dedicated: boolean, work: (connection: Redis) => Promise<T>): Promise<T> {
    if (!dedicated) return work(shared);
    const connection = await pool.acquire();
    try {
      return await work(connection);
    } finally {
      pool.release(connection);
    }
  }

  return {
    description: `redis-server ${url}`,
    run: (command) => onConnection(isBlocking(command), (connection) => call(connection, command)),
    // Commands written back to back on one connection are a Redis pipeline: replies come in order.
    pipeline: (commands) =>
      onConnection(commands.some(isBlocking), (connection) =>
        Promise.all(commands.map((command) => call(connection, command).then(toResult, toError))),
      ),
    transaction: (commands) => onConnection(true, (connection) => transaction(connection, commands)),
    async close() {
      pool.close();
      shared.disconnect();
    },
  };
}

async function call(connection: Redis, command: Command): Promise<unknown> {
  try {
    // The upper-case name also keeps ioredis from turning HGETALL's reply into an object.
    return await connection.callBuffer(command.name, ...command.args);
  } catch (error) {
    throw translate(error);
  }
}

async function transaction(connection: Redis, commands: Command[]): Promise<Outcome[]> {
  const multi = connection.multi();
  for (const command of commands) multi.callBuffer(command.name, ...command.args);
  let replies: [Error | null, unknown][] | null;
  try {
    replies = await multi.exec();
  } catch (error) {
    // A command refused while queueing (unknown, wrong arity) discards the whole transaction.
    const previous = (error as { previousErrors?: Error[] }).previousErrors ?? [];
    const detail = previous.map((e) => e.message).join("; ");
    throw new RedisCommandError(detail ? `${(error as Error).message} ${detail}` : (error as Error).message, { cause: error });
  }
  if (replies === null) throw new RedisCommandError("EXECABORT Transaction aborted");
  return replies.map(([error, result]) => (error ? { error: error.message } : { result }));
}

function isBlocking({ name, args }: Command): boolean {
  if (BLOCKING_COMMANDS.has(name)) return true;
  return (name === "XREAD" || name === "XREADGROUP") && args.some((arg) => String(arg).toUpperCase() === "BLOCK");
}

/** A Redis error reply is the caller's (400); anything else (connection lost) is the bridge's. */
function translate(error: unknown): Error {
  if (error instanceof ReplyError) return new RedisCommandError((error as Error).message, { cause: error });
  return error instanceof Error ? error : new Error(String(error));
}

const toResult = (result: unknown): Outcome => ({ result });
function toError(error: unknown): Outcome {
  if (error instanceof RedisCommandError) return { error: error.message };
  throw error;
}

function createDedicatedPool(shared: Redis) {
  const idle: Redis[] = [];
  const open = new Set<Redis>();
  return {
    async acquire(): Promise<Redis> {
      const reused = idle.pop();
      if (reused) return reused;
      const connection = shared.duplicate({ lazyConnect: true, connectionName: "upstash-rest-bridge-dedicated" });
      connection.on("error", () => undefined);
      open.add(connection);
      try {
        await connection.connect();
      } catch (error) {
        open.delete(connection);
        connection.disconnect();
        throw error;
      }
      return connection;
    },
    release(connection: Redis): void {
      if (connection.status === "ready" && idle.length < MAX_IDLE_DEDICATED) {
        idle.push(connection);
        return;
      }
      open.delete(connection);
      connection.disconnect();
    },
    close(): void {
      for (const connection of open) connection.disconnect();
      open.clear();
      idle.length = 0;
    },
  };
}
