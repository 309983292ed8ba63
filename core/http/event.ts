/** The API Gateway HTTP API (payload 2.0) event, as the pipeline's middlewares enrich it. */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";
import type { Request } from "@middy/core";

export interface HttpEvent extends APIGatewayProxyEventV2 {
  /** Set by `requestContext`: API Gateway's request id (or a fresh one). */
  requestId?: string;
  /** Set by `jsonBody`: the parsed JSON body. */
  jsonBody?: unknown;
  /** Set by `validateInput`: what the route's schemas produced. */
  input?: { params: unknown; query: unknown; body: unknown };
  /** Set by `authenticate` on protected routes: who is calling. */
  caller?: import("./middleware/authenticate.ts").AuthenticatedCaller;
}

export type HttpResult = APIGatewayProxyStructuredResultV2 & { headers: Record<string, string> };

export type HttpRequest = Request<HttpEvent, HttpResult, Error, Context>;

/** Header lookup that ignores case (API Gateway lowercases; direct invocations may not). */
export function header(event: APIGatewayProxyEventV2, name: string): string | undefined {
  const headers = event.headers ?? {};
  const wanted = name.toLowerCase();
  for (const key of Object.keys(headers)) if (key.toLowerCase() === wanted) return headers[key];
  return undefined;
}
