/**
 * Idempotency records: the first answer to a POST sent with an `Idempotency-Key`, kept 24 h under
 * `idempotency:{system}:{caller or ip}:{key}` with a fingerprint of the request, so a retry gets
 * the same answer without the write happening twice.
 *
 *   begin ──SET NX──> reserved: run the handler ──> complete (2xx/4xx: keep the answer 24 h)
 *     │                                        └──> release  (5xx: forget it, a retry runs again)
 *     └─ key exists ─> other fingerprint: conflict · still in flight: in-flight · done: replay
 */
import { createHash } from "node:crypto";
import type { Redis } from "@upstash/redis";
import type { SystemSlug } from "../systems.ts";
import { redis } from "./redis.ts";

export const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;

/** An answer as it is replayed. */
export interface StoredAnswer {
  statusCode: number;
  headers: Record<string, string>;
  body?: string;
  isBase64Encoded?: boolean;
}

type IdempotencyRecord = { state: "in-flight"; fingerprint: string } | ({ state: "done"; fingerprint: string } & StoredAnswer);

export type BeginOutcome =
  | { outcome: "reserved" }
  | { outcome: "replay"; answer: StoredAnswer }
  | { outcome: "in-flight" }
  | { outcome: "mismatch" };

/** The record could not be read or written (Redis unreachable, or the record is not ours). */
export class IdempotencyUnavailableError extends Error {
  constructor(key: string, options: { cause?: unknown } = {}) {
    super(`idempotency record ${key} could not be used`, options);
    this.name = "IdempotencyUnavailableError";
  }
}

/** @example idempotencyKey("ai-calling", "64f8a1b2c3d4e5f6a7b8c9d0", "3f1c…") // "idempotency:ai-calling:64f8…:3f1c…" */
export const idempotencyKey = (system: SystemSlug, who: string, key: string): string => `idempotency:${system}:${who}:${key}`;

/** 1–255 printable ASCII characters (a UUID, a ULID, an opaque token), not only spaces. */
export const isValidIdempotencyKey = (value: string): boolean => /^[\x20-\x7e]{1,255}$/.test(value) && value.trim() !== "";

/**
 * SHA-256 of the method, path, query and raw body bytes: the same key sent with another body, or to
 * another endpoint, is a different request and must not get this one's answer.
 */
export function requestFingerprint({ method, path, query = "", body }: { method: string; path: string; query?: string; body: Uint8Array | string }): string {
  return createHash("sha256").update(`${method} ${path}?${query}\n`).update(body).digest("hex");
}

// Reserve the key, or return what it holds, in one atomic step: two concurrent duplicates can
// never both be reserved.
const BEGIN = `
if redis.call("SET", KEYS[1], ARGV[1], "NX", "EX", ARGV[2]) then return "" end
return redis.call("GET", KEYS[1])`;

/**
 * Reserves `key` for a request with `fingerprint` for `lockSeconds`, or says what it already holds.
 * @example
 * const begun = await begin({ key, fingerprint, lockSeconds: 60 });
 * if (begun.outcome === "replay") return begun.answer;
 */
export async function begin({ key, fingerprint, lockSeconds, client = redis() }: { key: string; fingerprint: string; lockSeconds: number; client?: Redis }): Promise<BeginOutcome> {
  let reply: unknown;
  try {
    reply = await client.eval(BEGIN, [key], [JSON.stringify({ state: "in-flight", fingerprint }), lockSeconds]);
  } catch (error) {
    throw new IdempotencyUnavailableError(key, { cause: error });
  }
  if (reply === "") return { outcome: "reserved" };
  const record = parseRecord(reply);
  if (!record) throw new IdempotencyUnavailableError(key, { cause: new Error("the stored record is not an idempotency record") });
  if (record.fingerprint !== fingerprint) return { outcome: "mismatch" };
  if (record.state === "in-flight") return { outcome: "in-flight" };
  const { statusCode, headers, body, isBase64Encoded } = record;
  return { outcome: "replay", answer: { statusCode, headers, ...(body !== undefined && { body }), ...(isBase64Encoded && { isBase64Encoded }) } };
}

/** Keeps the final answer for `ttlSeconds` (24 h by default). */
export async function complete(options: { key: string; fingerprint: string; answer: StoredAnswer; ttlSeconds?: number; client?: Redis }): Promise<void> {
  const { key, fingerprint, answer, ttlSeconds = IDEMPOTENCY_TTL_SECONDS, client = redis() } = options;
  const record: IdempotencyRecord = { state: "done", fingerprint, ...answer };
  await client.set(key, JSON.stringify(record), { ex: ttlSeconds });
}

/** Forgets the reservation, so a retry runs the request again. */
export async function release({ key, client = redis() }: { key: string; client?: Redis }): Promise<void> {
  await client.del(key);
}

/** The client parses JSON replies on its own; accept either form, and nothing that is not a record. */
function parseRecord(reply: unknown): IdempotencyRecord | undefined {
  let value = reply;
  if (typeof value === "string") {
    try {
      value = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  const record = value as Partial<IdempotencyRecord> | null;
  if (typeof record?.fingerprint !== "string") return undefined;
  if (record.state === "in-flight") return record as IdempotencyRecord;
  if (record.state === "done" && typeof record.statusCode === "number" && typeof record.headers === "object" && record.headers !== null) return record as IdempotencyRecord;
  return undefined;
}
