/**
 * The Upstash REST protocol, independent of HTTP plumbing and of the store behind it: turning
 * request bodies and paths into Redis commands, and Redis replies into the JSON Upstash sends.
 *
 * Reply encoding follows Upstash: `{ "result": ... }` with integers as numbers, nil as null,
 * nested arrays kept. With `Upstash-Encoding: base64` every string is base64 except a top-level
 * "OK" (the client leaves a top-level "OK" alone but decodes every string inside arrays, so an
 * "OK" inside an array must be encoded too).
 */

/** A command argument: JSON strings become UTF-8; a raw POSTed value stays bytes. */
export type Arg = string | Buffer;

export interface Command {
  /** Upper-case command name (`SET`). */
  name: string;
  args: Arg[];
}

/** What one command of a pipeline or transaction produced. */
export type Outcome = { result: unknown } | { error: string };

/** The store a bridge speaks to: a real redis-server or the in-process memory store. */
export interface RedisBackend {
  /** Human description, e.g. `redis-server redis://127.0.0.1:6390`. */
  readonly description: string;
  /** Runs one command; rejects with `RedisCommandError` when the store answers with an error. */
  run(command: Command): Promise<unknown>;
  /** Runs commands in order, not atomically; each gets its own outcome. */
  pipeline(commands: Command[]): Promise<Outcome[]>;
  /** Runs commands atomically; rejects with `RedisCommandError` when the whole transaction is refused. */
  transaction(commands: Command[]): Promise<Outcome[]>;
  close(): Promise<void>;
}

/** An error reply from the store (`ERR ...`, `WRONGTYPE ...`): HTTP 400 with its message. */
export class RedisCommandError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "RedisCommandError";
  }
}

/** A request the bridge cannot make sense of: HTTP 400 before anything reaches the store. */
export class BadRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BadRequestError";
  }
}

/**
 * Commands that change the state of a connection or never answer once: over REST each request
 * is independent, so Upstash refuses them too (its SDK's subscribe uses a separate SSE API).
 */
const CONNECTION_COMMANDS = new Set([
  "SUBSCRIBE", "PSUBSCRIBE", "SSUBSCRIBE", "UNSUBSCRIBE", "PUNSUBSCRIBE", "SUNSUBSCRIBE",
  "MONITOR", "MULTI", "EXEC", "DISCARD", "WATCH", "UNWATCH", "SELECT", "QUIT", "RESET",
  "HELLO", "AUTH", "SYNC", "PSYNC", "REPLICAOF", "SLAVEOF",
]);

/** Validates one command array from a JSON body (`["SET", "k", "v"]`). */
export function toCommand(value: unknown): Command {
  if (!Array.isArray(value) || value.length === 0) {
    throw new BadRequestError('ERR a command must be a non-empty JSON array like ["SET", "key", "value"]');
  }
  return commandFrom(
    value.map((item, index) => {
      if (typeof item === "string") return item;
      // The SDK sends numbers and booleans unquoted (`["EXPIRE", "k", 10]`).
      if (typeof item === "number" || typeof item === "boolean") return String(item);
      const kind = item === null ? "null" : Array.isArray(item) ? "array" : typeof item;
      throw new BadRequestError(`ERR argument ${index} must be a string, number or boolean, got ${kind}`);
    }),
  );
}

/** Parses a `POST /` body: one command. */
export function parseCommandBody(body: Buffer): Command {
  return toCommand(parseJson(body));
}

/** Parses a `POST /pipeline` or `/multi-exec` body: a non-empty array of commands. */
export function parseCommandListBody(body: Buffer): Command[] {
  const value = parseJson(body);
  if (!Array.isArray(value) || value.length === 0 || !value.every(Array.isArray)) {
    throw new BadRequestError("ERR the body must be a non-empty JSON array of command arrays");
  }
  return value.map(toCommand);
}

/**
 * The path form: `/set/foo/bar` is `SET foo bar`. A POSTed body is appended as the last argument
 * as raw bytes, then query parameters as `name value` pairs (`/set/foo?EX=100` with body `v` is
 * `SET foo v EX 100`); `_token` is the credential, not an argument.
 */
export function parsePathCommand(url: URL, body: Buffer): Command {
  const segments = url.pathname.split("/").slice(1);
  if (segments.length > 1 && segments.at(-1) === "") segments.pop();
  let parts: Arg[];
  try {
    parts = segments.map((segment) => decodeURIComponent(segment));
  } catch {
    throw new BadRequestError("ERR the path is not valid percent-encoding");
  }
  if (body.length > 0) parts.push(body);
  for (const [name, value] of url.searchParams) {
    if (name === "_token") continue;
    parts.push(name);
    if (value !== "") parts.push(value);
  }
  return commandFrom(parts);
}

function commandFrom([first, ...args]: Arg[]): Command {
  const name = String(first ?? "").toUpperCase();
  if (name === "") throw new BadRequestError("ERR no command given");
  if (CONNECTION_COMMANDS.has(name)) {
    throw new BadRequestError(`ERR ${name} is not supported over the REST API`);
  }
  return { name, args };
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    throw new BadRequestError("ERR the request body is not valid JSON");
  }
}

/** Shapes a store reply for JSON, base64-encoding strings when the client asked for it. */
export function encodeReply(reply: unknown, base64: boolean, topLevel = true): unknown {
  if (reply === null || reply === undefined) return null;
  if (typeof reply === "number") return reply;
  if (typeof reply === "bigint") return Number(reply);
  if (typeof reply === "boolean") return reply ? 1 : 0;
  if (Array.isArray(reply)) return reply.map((item) => encodeReply(item, base64, false));
  // An error nested in an array (a Lua table holding one) reads as its message.
  if (reply instanceof Error) return encodeReply(reply.message, base64, false);
  const bytes = Buffer.isBuffer(reply) ? reply : Buffer.from(String(reply), "utf8");
  if (!base64) return bytes.toString("utf8");
  if (topLevel && bytes.length === 2 && bytes.toString("latin1") === "OK") return "OK";
  return bytes.toString("base64");
}

/** Encodes a pipeline's or transaction's outcomes; errors are never encoded. */
export function encodeOutcomes(outcomes: Outcome[], base64: boolean): Outcome[] {
  return outcomes.map((outcome) =>
    "error" in outcome ? { error: outcome.error } : { result: encodeReply(outcome.result, base64) },
  );
}
