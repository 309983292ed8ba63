/**
 * Structured logs: one JSON object per line on stdout (CloudWatch in AWS), with the level,
 * a message and flat fields. Values under secret-looking keys are redacted wherever they nest,
 * so a request or an error can be logged without leaking credentials.
 *
 * @example
 * log.info("request", { route: "GET /health", status: 200, durationMs: 3, requestId });
 */
import { config } from "./config/index.ts";

type Level = "debug" | "info" | "warn" | "error";
const LEVELS: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const SECRET_KEY = /pass(word)?|secret|token|authorization|cookie|api[-_]?key|credential|signature|hash/i;

export type LogFields = Record<string, unknown>;

/** Where lines go; tests swap it to read what was logged. */
let sink: (line: string) => void = (line) => process.stdout.write(`${line}\n`);

export function setLogSink(next: (line: string) => void): () => void {
  const previous = sink;
  sink = next;
  return () => { sink = previous; };
}

function write(level: Level, message: string, fields: LogFields = {}): void {
  if (LEVELS[level] < LEVELS[threshold()]) return;
  sink(JSON.stringify({ level, time: new Date().toISOString(), message, ...redact(fields) as LogFields }));
}

function threshold(): Level {
  try {
    return config("server").logLevel;
  } catch {
    return "info";
  }
}

export function redact(value: unknown, depth = 0): unknown {
  if (depth > 8 || value === null || typeof value !== "object") return value;
  if (value instanceof Error) return describeError(value);
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  if (value instanceof Uint8Array) return `[${value.byteLength} bytes]`;
  // ObjectId, Date, Decimal128…: their own JSON form (a hex id, an ISO date), not their internals.
  if (typeof (value as { toJSON?: unknown }).toJSON === "function") return (value as { toJSON(): unknown }).toJSON();
  if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null) return String(value);
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [key, SECRET_KEY.test(key) ? "[redacted]" : redact(item, depth + 1)]),
  );
}

/** An error as a log field: name, message, code and stack, then its causes. */
export function describeError(error: unknown, depth = 0): unknown {
  if (!(error instanceof Error)) return error;
  const { name, message, stack } = error;
  const code = (error as { code?: unknown }).code;
  const cause = depth < 4 && error.cause !== undefined ? describeError(error.cause, depth + 1) : undefined;
  return { name, message, ...(code !== undefined && { code }), stack, ...(cause !== undefined && { cause }) };
}

export const log = {
  debug: (message: string, fields?: LogFields) => write("debug", message, fields),
  info: (message: string, fields?: LogFields) => write("info", message, fields),
  warn: (message: string, fields?: LogFields) => write("warn", message, fields),
  error: (message: string, fields?: LogFields) => write("error", message, fields),
};
