/**
 * What a route manifest entry says: method and path (API Gateway syntax, `{id}` parameters),
 * the handler (SST's `file.export` form), who may call it and what its request must look like.
 * The SST routes, the local dev server, the OpenAPI document and the handler's own middy
 * pipeline all read the same entry.
 */
import type { z } from "zod";

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** Who may call a route. (Token, role and API-key policies join with the identity layer.) */
export type AuthPolicy = { kind: "public" };

export interface RequestSchemas {
  /** Path parameters, e.g. `{ id }` of `/ai-calling/agents/{id}`. */
  params?: z.ZodType;
  /** Query string parameters; a strict object refuses unknown ones with a 400. */
  query?: z.ZodType;
  /** The JSON body; a route without one ignores the (still size- and type-checked) body. */
  body?: z.ZodType;
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
