/**
 * A route's rate limit (API.md: 429 RATE_LIMITED with Retry-After, and `RateLimit-Limit`,
 * `RateLimit-Remaining`, `RateLimit-Reset` on every answer of the route, success or error).
 *
 * Order: after the auth middleware (it counts `event.caller`) and `use`d before `errorResponse`,
 * because middy runs `onError` in reverse: ours must run after `errorResponse` has built the
 * error answer, or there is no response to put the headers on.
 */
import type { MiddlewareObj } from "@middy/core";
import type { Redis } from "@upstash/redis";
import { consume, rateLimitKey, RateLimitUnavailableError, type RateLimitDecision } from "../../cache/rate-limit.ts";
import { RateLimitedError, UnavailableError } from "../../errors.ts";
import { log } from "../../log.ts";
import type { SystemSlug } from "../../systems.ts";
import type { HttpEvent, HttpRequest } from "../event.ts";
import type { RateLimitPolicy } from "../route.ts";

export interface RateLimitOptions {
  system: SystemSlug;
  policy: RateLimitPolicy;
  /** The container's Redis client unless given. */
  client?: Redis;
  /** Retry-After of the 503 sent when Redis is down and the policy fails closed. */
  redisDownRetryAfterSeconds?: number;
}

const defaults = { redisDownRetryAfterSeconds: 5 };

/** What the auth middleware puts on the event; read by shape so any caller kind fits. */
interface CallerShape {
  userId?: { toString(): string } | string;
  apiKeyId?: { toString(): string } | string;
}

/** The caller's ids as strings (`userId` hex; `apiKeyId` for DelAuto integrations), if authenticated. */
export function callerOf(event: HttpEvent): { userId?: string; apiKeyId?: string } {
  const caller = (event as { caller?: CallerShape }).caller;
  return {
    ...(caller?.userId !== undefined && { userId: String(caller.userId) }),
    ...(caller?.apiKeyId !== undefined && { apiKeyId: String(caller.apiKeyId) }),
  };
}

export const sourceIpOf = (event: HttpEvent): string => event.requestContext?.http?.sourceIp || "unknown";

/**
 * Who is counted: an API key on its own (its limit is the key's), else the user; the client IP
 * for `by: "ip"`, and for a request that carries no caller (a public route given a caller policy).
 */
export function rateLimitId(event: HttpEvent, by: RateLimitPolicy["by"]): string {
  const { userId, apiKeyId } = callerOf(event);
  return (by === "caller" && (apiKeyId ?? userId)) || sourceIpOf(event);
}

export function rateLimit(options: RateLimitOptions): MiddlewareObj {
  const { system, policy, client, redisDownRetryAfterSeconds } = { ...defaults, ...options };
  checkPolicy(policy);
  const headersOf = new WeakMap<HttpRequest, Record<string, string>>();

  const before = async (request: HttpRequest) => {
    const { event } = request;
    const key = rateLimitKey(system, policy.endpoint, rateLimitId(event, policy.by));
    let decision: RateLimitDecision;
    try {
      decision = await consume({ key, limit: policy.limit, windowSeconds: policy.windowSeconds, algorithm: policy.algorithm, client });
    } catch (error) {
      if (!(error instanceof RateLimitUnavailableError)) throw error;
      const fields = { route: event.routeKey, requestId: event.requestId, key, error };
      if (policy.whenRedisDown === "open") {
        log.warn("rate limit skipped: redis unreachable (failing open)", fields);
        return;
      }
      log.warn("rate limit refused the request: redis unreachable (failing closed)", fields);
      throw new UnavailableError("Rate limiting is unavailable", redisDownRetryAfterSeconds, { cause: error });
    }
    headersOf.set(request, {
      "RateLimit-Limit": String(decision.limit),
      "RateLimit-Remaining": String(decision.remaining),
      "RateLimit-Reset": String(decision.resetSeconds),
    });
    if (!decision.allowed) throw new RateLimitedError(decision.resetSeconds);
  };

  // One function for both: a 2xx from the handler, or the error answer errorResponse just built.
  // When Redis could not be asked there is nothing true to say, so no headers are sent.
  const after = (request: HttpRequest) => {
    const headers = headersOf.get(request);
    if (headers && request.response) request.response.headers = { ...request.response.headers, ...headers };
  };

  return { before, after, onError: after } as MiddlewareObj;
}

function checkPolicy(policy: RateLimitPolicy): void {
  if (typeof policy.endpoint !== "string" || policy.endpoint === "") throw new TypeError("rateLimit: policy.endpoint must be a non-empty string");
  if (!Number.isInteger(policy.limit) || policy.limit < 1) throw new TypeError("rateLimit: policy.limit must be a positive integer");
  if (!Number.isFinite(policy.windowSeconds) || policy.windowSeconds <= 0) throw new TypeError("rateLimit: policy.windowSeconds must be positive");
  if (!["fixed", "sliding", undefined].includes(policy.algorithm)) throw new TypeError('rateLimit: policy.algorithm must be "fixed" or "sliding"');
  if (!["caller", "ip"].includes(policy.by)) throw new TypeError('rateLimit: policy.by must be "caller" or "ip"');
  if (!["open", "closed"].includes(policy.whenRedisDown)) throw new TypeError('rateLimit: policy.whenRedisDown must be "open" or "closed"');
}
