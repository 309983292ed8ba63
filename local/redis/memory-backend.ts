/**
 * The bridge's fallback store when no redis-server is installed: ioredis-mock, an in-process
 * emulation with ioredis's API. Good enough for `npm start`; tests use a real redis-server.
 *
 * Known gaps of ioredis-mock 8 (see its compat.md), which a real redis-server does not have:
 * - few type checks: INCR on a hash or on "abc" answers null, HGET on a string answers null,
 *   where Redis answers WRONGTYPE or "ERR value is not an integer";
 * - some option keywords are matched case-sensitively (see memory-options.ts, which fixes the
 *   ones @upstash/redis sends);
 * - SCRIPT is unsupported, so SCRIPT LOAD/EXISTS/FLUSH and EVALSHA are implemented here on top
 *   of its EVAL (Lua via fengari; `redis.call` works, some Lua libraries such as cjson do not);
 * - commands it does not emulate answer `ERR unknown command`: blocking pops (BLPOP, BZPOPMIN,
 *   ...), HyperLogLog (PF*), geo, BITOP/BITPOS/BITFIELD, SORT, ZUNION/ZINTER and friends, stream
 *   consumer groups, hash-field expiry, JSON.* and the other module commands, FUNCTION/FCALL;
 * - its data lives in a module-level map keyed by host:port, so each store gets a unique host.
 *
 * Every request runs under one lock, which makes a transaction atomic with respect to the other
 * requests of this bridge (the mock's own awaits would otherwise let them interleave).
 */
import { createHash, randomUUID } from "node:crypto";
import RedisMock from "ioredis-mock";
import { normalizeOptions } from "./memory-options.ts";
import { RedisCommandError, type Command, type Outcome, type RedisBackend } from "./protocol.ts";

type MockMethod = (...args: unknown[]) => Promise<unknown>;

export function createMemoryBackend(): RedisBackend {
  const mock = new RedisMock({ host: `memory-${randomUUID()}`, lazyConnect: false });
  const methods = mock as unknown as Record<string, MockMethod>;
  const scripts = new Map<string, string>();
  let queue: Promise<unknown> = Promise.resolve();

  function exclusive<T>(work: () => Promise<T>): Promise<T> {
    const next = queue.then(work, work);
    queue = next.catch(() => undefined);
    return next;
  }

  /** The mock's method for a command, or undefined; only emulated commands are enumerable own properties. */
  function methodFor(name: string): MockMethod | undefined {
    const lower = name.toLowerCase();
    if (!Object.prototype.propertyIsEnumerable.call(mock, lower)) return undefined;
    const buffered = `${lower}Buffer`;
    return Object.prototype.propertyIsEnumerable.call(mock, buffered) ? methods[buffered] : methods[lower];
  }

  function isKnown({ name }: Command): boolean {
    return name === "SCRIPT" || name === "EVALSHA" || name === "EVALSHA_RO" || methodFor(name) !== undefined;
  }

  async function execute(command: Command): Promise<unknown> {
    const { name, args } = command;
    if (name === "SCRIPT") return script(args.map(String));
    if (name === "EVAL" || name === "EVAL_RO") {
      remember(String(args[0] ?? ""));
      return invoke("eval", args);
    }
    if (name === "EVALSHA" || name === "EVALSHA_RO") {
      const source = scripts.get(String(args[0] ?? "").toLowerCase());
      if (source === undefined) throw new RedisCommandError("NOSCRIPT No matching script. Please use EVAL.");
      return invoke("eval", [source, ...args.slice(1)]);
    }
    return invoke(name, normalizeOptions(command).args);
  }

  async function invoke(name: string, args: unknown[]): Promise<unknown> {
    const method = methodFor(name);
    if (!method) throw unknownCommand(name);
    try {
      return flatten(await method.apply(mock, args));
    } catch (error) {
      const message = (error as Error).message ?? String(error);
      throw new RedisCommandError(/^[A-Z]+ /.test(message) ? message : `ERR ${message}`, { cause: error });
    }
  }

  function remember(source: string): string {
    const sha = createHash("sha1").update(source).digest("hex");
    scripts.set(sha, source);
    return sha;
  }

  function script([subcommand = "", ...rest]: string[]): unknown {
    switch (subcommand.toUpperCase()) {
      case "LOAD":
        if (rest.length !== 1) throw new RedisCommandError("ERR wrong number of arguments for 'script|load' command");
        return remember(rest[0]);
      case "EXISTS":
        return rest.map((sha) => (scripts.has(sha.toLowerCase()) ? 1 : 0));
      case "FLUSH":
        scripts.clear();
        return "OK";
      default:
        throw new RedisCommandError(`ERR unknown subcommand '${subcommand}' (the in-process memory store supports SCRIPT LOAD, EXISTS and FLUSH)`);
    }
  }

  async function settle(command: Command): Promise<Outcome> {
    try {
      return { result: await execute(command) };
    } catch (error) {
      if (error instanceof RedisCommandError) return { error: error.message };
      throw error;
    }
  }

  async function inOrder(commands: Command[]): Promise<Outcome[]> {
    const outcomes: Outcome[] = [];
    for (const command of commands) outcomes.push(await settle(command));
    return outcomes;
  }

  return {
    description: "in-process memory store (ioredis-mock)",
    run: (command) => exclusive(() => execute(command)),
    pipeline: (commands) => exclusive(() => inOrder(commands)),
    transaction: (commands) =>
      exclusive(() => {
        // Like Redis, a command that cannot even be queued discards the whole transaction.
        const unknown = commands.find((command) => !isKnown(command));
        if (unknown) {
          throw new RedisCommandError(`EXECABORT Transaction discarded because of previous errors. ${unknownCommand(unknown.name).message}`);
        }
        return inOrder(commands);
      }),
    async close() {
      // The mock keeps its data in a module-level map; emptying it releases the memory.
      await exclusive(() => methods.flushall());
      mock.disconnect();
    },
  };
}

function unknownCommand(name: string): RedisCommandError {
  return new RedisCommandError(`ERR unknown command '${name}' (not emulated by the in-process memory store)`);
}

/** The mock answers some commands (HGETALL) with objects where Redis answers a flat array. */
function flatten(reply: unknown): unknown {
  if (Array.isArray(reply)) return reply.map(flatten);
  if (reply !== null && typeof reply === "object" && !Buffer.isBuffer(reply) && !(reply instanceof Error)) {
    return Object.entries(reply).flatMap(([key, value]) => [key, flatten(value)]);
  }
  return reply;
}
