/**
 * The route's API cache. A GET route with `cache` answers from `cache:api:{route}:{params}` when it
 * can (200, its JSON, `x-cache: hit`) and otherwise stores its 200 JSON answer for `ttlSeconds`;
 * a route with `invalidates` drops the cached reads of those tags after a successful (2xx) write.
 * Answers are per caller unless the route is public; tags may be per caller too (`agents:{caller}`),
 * so one user's write does not empty everyone's cache. The cache only ever helps: when Redis is
 * down or an entry is unreadable the request is logged and answered uncached.
 *
 * Order: after `validateInput` (innermost), so only valid requests are looked up, and with the
 * stack's handler wrapped by `servingStoredAnswers`, which serves a hit.
 */
import type { MiddlewareObj } from "@middy/core";
import type { Redis } from "@upstash/redis";
import { API_CACHE_TTL_SECONDS, apiCacheKey, apiCacheTagKey, canonicalParams, coversFor, invalidate, readAnswer, storeAnswer, UnreadableCacheEntryError } from "../../cache/api-cache.ts";
import { log } from "../../log.ts";
import type { SystemSlug } from "../../systems.ts";
import type { HttpRequest, HttpResult } from "../event.ts";
import type { RouteDefinition } from "../route.ts";
import { callerOf } from "./rate-limit.ts";
import { answerWith, isStoredAnswer } from "./stored-answer.ts";

export interface ApiCacheOptions {
  system: SystemSlug;
  route: Pick<RouteDefinition, "method" | "path" | "auth" | "cache" | "invalidates">;
  /** The container's Redis client unless given. */
  client?: Redis;
  /** Larger answers are not cached (a Redis value should stay small). */
  maxBodyBytes?: number;
}

const defaults = { maxBodyBytes: 512 * 1024 };

const JSON_TYPE = /^application\/json\s*(;|$)/i;

export function apiCache(options: ApiCacheOptions): MiddlewareObj {
  const { system, route, client, maxBodyBytes } = { ...defaults, ...options };
  checkRoute(route);
  const { cache, invalidates = [] } = route;
  const lookups = new WeakMap<HttpRequest, { key: string; store: boolean }>();

  const before = async (request: HttpRequest) => {
    const { event } = request;
    if (!cache || event.requestContext?.http?.method !== "GET") return;
    const { userId } = callerOf(event);
    // A protected route without a caller should not get here; never risk sharing its answer.
    if (route.auth.kind !== "public" && userId === undefined) return;
    const params = canonicalParams({ callerId: route.auth.kind === "public" ? undefined : userId, pathParameters: event.pathParameters, query: event.queryStringParameters });
    const key = apiCacheKey(cache.route, params);
    try {
      const body = await readAnswer({ key, client });
      if (body !== undefined) answerWith(request, { statusCode: 200, headers: { "content-type": "application/json", "x-cache": "hit" }, body });
      lookups.set(request, { key, store: true });
    } catch (error) {
      log.warn("api cache read failed: answering uncached", { route: event.routeKey, requestId: event.requestId, key, error });
      // An unreadable entry is overwritten by this answer; an unreachable Redis is not asked twice.
      lookups.set(request, { key, store: error instanceof UnreadableCacheEntryError });
    }
  };

  const after = async (request: HttpRequest) => {
    const { event, response } = request;
    if (!response || isStoredAnswer(request)) return;
    const lookup = lookups.get(request);
    if (cache && lookup) {
      const { key } = lookup;
      response.headers = { ...response.headers, "x-cache": "miss" };
      if (lookup.store && cacheable(response, maxBodyBytes)) {
        try {
          const covers = coversFor(cache.covers, callerOf(event).userId);
          // Without its tag an answer could never be invalidated: such an answer is not kept.
          if (covers !== undefined) await storeAnswer({ key, body: response.body as string, ttlSeconds: cache.ttlSeconds, tags: [apiCacheTagKey(system, covers)], client });
        } catch (error) {
          log.warn("api cache store failed: answer not cached", { route: event.routeKey, requestId: event.requestId, key, error });
        }
      }
    }
    const status = response.statusCode ?? 200;
    const callerId = callerOf(event).userId;
    const tags = invalidates.flatMap((covers) => coversFor(covers, callerId) ?? []).map((covers) => apiCacheTagKey(system, covers));
    if (tags.length && status >= 200 && status < 300) {
      try {
        await invalidate({ tags, client });
      } catch (error) {
        // The write succeeded; its readers may see the old answer until their TTL runs out.
        log.error("api cache invalidation failed: cached reads stay stale until they expire", { route: event.routeKey, requestId: event.requestId, tags, error });
      }
    }
  };

  return { before, after } as MiddlewareObj;
}

function cacheable(response: HttpResult, maxBodyBytes: number): boolean {
  return response.statusCode === 200
    && typeof response.body === "string"
    && !response.isBase64Encoded
    && JSON_TYPE.test(Object.entries(response.headers ?? {}).find(([name]) => name.toLowerCase() === "content-type")?.[1] ?? "")
    && Buffer.byteLength(response.body) <= maxBodyBytes;
}

function checkRoute(route: ApiCacheOptions["route"]): void {
  const { cache, invalidates } = route;
  if (!cache && !invalidates?.length) throw new TypeError(`apiCache: ${route.method} ${route.path} has neither cache nor invalidates`);
  if (invalidates?.some((covers) => typeof covers !== "string" || covers === "")) throw new TypeError("apiCache: invalidates must list non-empty tags");
  if (!cache) return;
  if (route.method !== "GET") throw new TypeError(`apiCache: only GET routes are cached, not ${route.method} ${route.path}`);
  if (!cache.route || !cache.covers) throw new TypeError("apiCache: cache.route and cache.covers must not be empty");
  const { min, max } = API_CACHE_TTL_SECONDS;
  if (!Number.isInteger(cache.ttlSeconds) || cache.ttlSeconds < min || cache.ttlSeconds > max) {
    throw new TypeError(`apiCache: cache.ttlSeconds must be a whole number from ${min} to ${max}`);
  }
}
