/**
 * `http(route, handle)`: the one middy stack every endpoint uses. Middlewares run top to bottom
 * before the handler and bottom to top after it:
 *
 *   requestContext  request id, one access-log line
 *   httpCors        CORS headers from CORS_ORIGINS
 *   authenticate    the route's auth policy: Bearer token of the route's system, roles
 *   rateLimit       the route's limit, counted in Redis; RateLimit headers; 429
 *   idempotency     POST with Idempotency-Key: replay the first answer, 409 on another body
 *   errorResponse   errors -> the API.md error shape
 *   jsonBody        1 MiB, application/json, well-formed
 *   validateInput   the route's params, query and body schemas
 *   apiCache        cacheable reads from `cache:api:{route}:{params}`; writes invalidate
 *   handle          your code: typed input in, a value (or an HttpResponse) out
 *
 * @example
 * export const handler = http(routes.getHealth, async () => ({ status: "ok" }));
 */
import middy from "@middy/core";
import httpCors from "@middy/http-cors";
import type { APIGatewayProxyEventV2, Context } from "aws-lambda";
import type { z } from "zod";
import { isSystemSlug, type SystemSlug } from "../systems.ts";
import { corsOptions } from "./cors.ts";
import type { HttpEvent, HttpResult } from "./event.ts";
import { authenticate, type AuthenticatedCaller } from "./middleware/authenticate.ts";
import { apiCache } from "./middleware/api-cache.ts";
import { errorResponse } from "./middleware/error-response.ts";
import { idempotency } from "./middleware/idempotency.ts";
import { rateLimit } from "./middleware/rate-limit.ts";
import { servingStoredAnswers } from "./middleware/stored-answer.ts";
import { jsonBody } from "./middleware/json-body.ts";
import { requestContext } from "./middleware/request-context.ts";
import { validateInput } from "./middleware/validate-input.ts";
import { HttpResponse } from "./response.ts";
import type { RequestSchemas, RouteDefinition } from "./route.ts";

type Parsed<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface HandlerInput<Request extends RequestSchemas> {
  params: Parsed<Request["params"]>;
  query: Parsed<Request["query"]>;
  body: Parsed<Request["body"]>;
  requestId: string;
  /** The authenticated caller (protected routes only). */
  caller: AuthenticatedCaller | undefined;
  event: APIGatewayProxyEventV2;
  context: Context;
}

export type HttpHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<HttpResult>;

export function http<Request extends RequestSchemas>(
  route: RouteDefinition<Request>,
  handle: (input: HandlerInput<Request>) => Promise<unknown>,
): HttpHandler {
  const run = async (event: HttpEvent, context: Context): Promise<HttpResult> => {
    const { params, query, body } = event.input ?? { params: undefined, query: undefined, body: undefined };
    const result = await handle({
      params: params as Parsed<Request["params"]>,
      query: query as Parsed<Request["query"]>,
      body: body as Parsed<Request["body"]>,
      requestId: event.requestId ?? "",
      caller: event.caller,
      event,
      context,
    });
    return toResult(result, route.response.status);
  };

  const system = systemOf(route.path);
  const stack = middy<HttpEvent, HttpResult>()
    .use(requestContext())
    .use(httpCors(corsOptions()))
    .use(authenticate({ system, policy: route.auth }));
  // Before errorResponse: their onError runs after it, to add headers to (or keep) error answers.
  if (route.rateLimit) stack.use(rateLimit({ system: requireSystem(system, route.path), policy: route.rateLimit }));
  if (route.idempotent) stack.use(idempotency({ system: requireSystem(system, route.path) }));
  stack.use(errorResponse()).use(jsonBody({ formats: route.request.bodyFormats })).use(validateInput(route.request));
  // Last: it only looks up validated requests and only stores what the handler answered.
  if (route.cache || route.invalidates?.length) stack.use(apiCache({ system: requireSystem(system, route.path), route }));
  // A cache hit or an idempotent replay is answered by the wrapper, so every `after` still runs.
  return stack.handler(servingStoredAnswers(run)) as unknown as HttpHandler;
}

function requireSystem(system: SystemSlug | undefined, path: string): SystemSlug {
  if (!system) throw new TypeError(`${path}: rate limits, caching and idempotency are kept per system; the route must live under /{system}`);
  return system;
}

/** The system a route belongs to: the first segment of its path, when it is a system slug. */
function systemOf(path: string): SystemSlug | undefined {
  const first = path.split("/")[1] ?? "";
  return isSystemSlug(first) ? first : undefined;
}

function toResult(result: unknown, successStatus: number): HttpResult {
  const response = result instanceof HttpResponse ? result : new HttpResponse(successStatus, result);
  const { statusCode, body, headers } = response;
  if (body === undefined || statusCode === 204) return { statusCode, headers: { ...headers } };
  if (typeof body === "string" && headers["content-type"]) return { statusCode, headers: { ...headers }, body };
  return { statusCode, headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) };
}
