/**
 * What a route manifest entry says: method and path (API Gateway syntax, `{id}` parameters),
 * the handler (SST's `file.export` form), who may call it and what its request must look like.
 * The SST routes, the local dev server, the OpenAPI document and the handler's own middy
 * pipeline all read the same entry.
 */
import type { z } from "zod";

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/**
 * Who may call a route: anyone; a user of the route's system with a Bearer access token (and one
 * of `roles`, when given); or, for DelAuto integrations, an `X-API-Key` holding `permission`
 * (a user token is accepted too when `users` says so).
 */
export type AuthPolicy =
  | { kind: "public" }
  | {
      kind: "user";
      roles?: string[];
      /**
       * With Redis down a token cannot be checked against revocations: reads go on ("open"),
       * writes are refused ("closed") unless the route says a signed, unexpired token is enough.
       */
      whenRedisDown?: "open" | "closed";
    }
  | { kind: "apiKey"; permission: string; users?: boolean };

/**
 * A route's rate limit, counted in Redis per caller under the system's documented key pattern
 * (`ratelimit:{endpoint}:{userId}` in AI Calling, `rate_limit:{userId}:{endpoint}` in AutoMedia).
 * When Redis is unreachable the limit fails open or closed as `whenRedisDown` says.
 */
export interface RateLimitPolicy {
  /** The `{endpoint}` part of the key, e.g. `calls:outbound`. */
  endpoint: string;
  limit: number;
  windowSeconds: number;
  algorithm?: "fixed" | "sliding";
  /** Who is counted: the authenticated user (or API key), or the client IP. */
  by: "caller" | "ip";
  whenRedisDown: "open" | "closed";
}

/** A cacheable read: answers kept under `cache:api:{route}:{params}` for `ttlSeconds` (60–300). */
export interface CachePolicy {
  /** The `{route}` part of the key, e.g. `agents:list`. */
  route: string;
  ttlSeconds: number;
  /**
   * What the answer covers (e.g. `agents`); writes that declare `invalidates` of it clear it.
   * `{caller}` stands for the caller's id (`agents:{caller}`), so one user's writes clear only
   * their own cached reads.
   */
  covers: string;
}

export interface RequestSchemas {
  /** Path parameters, e.g. `{ id }` of `/ai-calling/agents/{id}`. */
  params?: z.ZodType;
  /** Query string parameters; a strict object refuses unknown ones with a 400. */
  query?: z.ZodType;
  /** The JSON body; a route without one ignores the (still size- and type-checked) body. */
  body?: z.ZodType;
  /**
   * Body media types accepted besides JSON: `form` reads `application/x-www-form-urlencoded`
   * (Twilio, Exotel) into an object of strings for `body` to parse.
   */
  bodyFormats?: ("json" | "form")[];
}

export interface ResponseSpec {
  /** The status of a successful answer (200 unless said otherwise). */
  status: number;
  description: string;
  schema?: z.ZodType;
  /** `application/json` unless said otherwise (`text/html` for the docs page). */
  contentType?: string;
}

export interface RouteDefinition<Request extends RequestSchemas = RequestSchemas> {
  method: HttpMethod;
  path: string;
  /** `functions/<path>.<export>`, as SST names handlers. */
  handler: string;
  summary: string;
  /** OpenAPI tag; the system slug for system routes. */
  tag: string;
  auth: AuthPolicy;
  rateLimit?: RateLimitPolicy;
  cache?: CachePolicy;
  /** What a successful write makes stale in the API cache (`covers` of cached reads, `{caller}` too). */
  invalidates?: string[];
  /** POST routes replay the first answer for a repeated `Idempotency-Key` (24 h). */
  idempotent?: boolean;
  request: Request;
  response: ResponseSpec;
}

/** Identity function that keeps the entry's literal types (so handlers get typed input). */
export const defineRoute = <Request extends RequestSchemas>(route: RouteDefinition<Request>): RouteDefinition<Request> => route;

/** `GET /ai-calling/agents/{id}`: the key API Gateway and the manifests use. */
export const routeKey = (route: Pick<RouteDefinition, "method" | "path">): string => `${route.method} ${route.path}`;

/** Splits `functions/ai-calling/agents/get.handler` into file and export. */
export function handlerReference(handler: string): { file: string; exportName: string } {
  const dot = handler.lastIndexOf(".");
  if (dot <= 0) throw new Error(`handler "${handler}" must be written file.export`);
  return { file: `${handler.slice(0, dot)}.ts`, exportName: handler.slice(dot + 1) };
}
