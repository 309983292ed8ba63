/**
 * `Idempotency-Key` on POST routes marked `idempotent`: the first answer (2xx or 4xx) is kept 24 h
 * and replayed, with `idempotent-replayed: true`, to a retry with the same key and the same
 * request, without running the handler. The same key with another request, or while the first
 * is still running, is a 409 CONFLICT. A 5xx, or a 4xx that asks to retry later, is not kept.
 *
 * Order: after auth (the key is per caller) and `use`d before `errorResponse`, because middy runs
 * `onError` in reverse and ours must see the error answer `errorResponse` built; the stack's
 * handler must be wrapped by `servingStoredAnswers`, which serves a replay.
 */
import type { MiddlewareObj } from "@middy/core";
import type { Redis } from "@upstash/redis";
import { begin, complete, idempotencyKey, IdempotencyUnavailableError, IDEMPOTENCY_TTL_SECONDS, isValidIdempotencyKey, release, requestFingerprint, type StoredAnswer } from "../../cache/idempotency.ts";
import { ConflictError, UnavailableError, ValidationError } from "../../errors.ts";
import { log } from "../../log.ts";
import type { SystemSlug } from "../../systems.ts";
import { header, type HttpRequest, type HttpResult } from "../event.ts";
import { callerOf, sourceIpOf } from "./rate-limit.ts";
import { answerWith, storedAnswerIgnored } from "./stored-answer.ts";

export interface IdempotencyOptions {
  system: SystemSlug;
  /** The container's Redis client unless given. */
  client?: Redis;
  ttlSeconds?: number;
  /** How long a reservation holds when its request never finishes (a crashed container). */
  lockSeconds?: number;
  /**
   * Redis down: `closed` answers 503 so the client retries later (a retry cannot double a write);
   * `open` runs the request without protection.
   */
  whenRedisDown?: "open" | "closed";
}

const defaults = { ttlSeconds: IDEMPOTENCY_TTL_SECONDS, lockSeconds: 60, whenRedisDown: "closed" as const };

/** Headers worth replaying; the rest (request id, CORS, rate limits) are the retry's own. */
const REPLAYED_HEADERS = new Set(["content-type", "location", "etag", "last-modified", "content-location"]);
/** 4xx answers that say "try again later": keeping them would refuse every retry for a day. */
const RETRY_LATER = new Set([408, 423, 425, 429]);

export function idempotency(options: IdempotencyOptions): MiddlewareObj {
  const { system, client, ttlSeconds, lockSeconds, whenRedisDown } = { ...defaults, ...options };
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1) throw new TypeError("idempotency: ttlSeconds must be a positive integer");
  if (!Number.isInteger(lockSeconds) || lockSeconds < 1) throw new TypeError("idempotency: lockSeconds must be a positive integer");
  if (!["open", "closed"].includes(whenRedisDown)) throw new TypeError('idempotency: whenRedisDown must be "open" or "closed"');
  const reserved = new WeakMap<HttpRequest, { key: string; fingerprint: string }>();

  const before = async (request: HttpRequest) => {
    const { event } = request;
    const value = header(event, "idempotency-key");
    if (event.requestContext?.http?.method !== "POST" || value === undefined) return;
    if (!isValidIdempotencyKey(value)) throw new ValidationError([{ path: "Idempotency-Key", message: "must be 1 to 255 printable ASCII characters" }]);
    const key = idempotencyKey(system, callerOf(event).userId ?? sourceIpOf(event), value);
    const body = event.body ? Buffer.from(event.body, event.isBase64Encoded ? "base64" : "utf8") : "";
    const fingerprint = requestFingerprint({ method: "POST", path: event.rawPath, query: event.rawQueryString, body });
    let begun: Awaited<ReturnType<typeof begin>>;
    try {
      begun = await begin({ key, fingerprint, lockSeconds, client });
    } catch (error) {
      if (!(error instanceof IdempotencyUnavailableError)) throw error;
      const fields = { route: event.routeKey, requestId: event.requestId, key, error };
      if (whenRedisDown === "open") {
        log.warn("idempotency skipped: redis unreachable (failing open)", fields);
        return;
      }
      log.warn("idempotency refused the request: redis unreachable (failing closed)", fields);
      throw new UnavailableError("Idempotency records are unavailable", 5, { cause: error });
    }
    if (begun.outcome === "mismatch") throw new ConflictError("Idempotency-Key", "This Idempotency-Key was already used for a different request");
    if (begun.outcome === "in-flight") throw new ConflictError("Idempotency-Key", "A request with this Idempotency-Key is still being processed; retry when it has finished");
    if (begun.outcome === "replay") {
      const { statusCode, headers, body: stored, isBase64Encoded } = begun.answer;
      answerWith(request, { statusCode, headers: { ...headers, "idempotent-replayed": "true" }, ...(stored !== undefined && { body: stored }), ...(isBase64Encoded && { isBase64Encoded }) });
      return;
    }
    reserved.set(request, { key, fingerprint });
  };

  // After the handler's answer, or after errorResponse turned its error into one. Never throws:
  // the answer is already decided, and a lost record only means a retry runs again.
  const settle = async (request: HttpRequest) => {
    const { event, response } = request;
    if (storedAnswerIgnored(request)) log.error("idempotent replay ignored: the handler ran again (wrap it with servingStoredAnswers)", { route: event.routeKey, requestId: event.requestId });
    const reservation = reserved.get(request);
    if (!reservation) return;
    reserved.delete(request);
    const { key, fingerprint } = reservation;
    try {
      if (response && keeps(response.statusCode ?? 200)) await complete({ key, fingerprint, answer: storedAnswer(response), ttlSeconds, client });
      else await release({ key, client });
    } catch (error) {
      log.warn("idempotency record not saved: a retry may run again", { route: event.routeKey, requestId: event.requestId, key, error });
    }
  };

  return { before, after: settle, onError: settle } as MiddlewareObj;
}

const keeps = (status: number): boolean => status >= 200 && status < 500 && !RETRY_LATER.has(status);

function storedAnswer(response: HttpResult): StoredAnswer {
  const headers = Object.fromEntries(
    Object.entries(response.headers ?? {}).map(([name, value]) => [name.toLowerCase(), String(value)]).filter(([name]) => REPLAYED_HEADERS.has(name)),
  );
  return {
    statusCode: response.statusCode ?? 200,
    headers,
    ...(typeof response.body === "string" && { body: response.body }),
    ...(response.isBase64Encoded && { isBase64Encoded: true }),
  };
}
