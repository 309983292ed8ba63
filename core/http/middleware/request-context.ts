/**
 * Request ids and the access log: every request gets an id (API Gateway's, or a fresh UUID when
 * invoked without one), echoed as `X-Request-Id`, and exactly one structured log line when it
 * ends: route, method, path, status, duration and request id. Bodies and headers are not logged.
 */
import { randomUUID } from "node:crypto";
import type { MiddlewareObj } from "@middy/core";
import { log } from "../../log.ts";
import type { HttpRequest } from "../event.ts";

export function requestContext(): MiddlewareObj {
  const started = new WeakMap<object, number>();

  const before = (request: HttpRequest) => {
    started.set(request, performance.now());
    request.event.requestId = request.event.requestContext?.requestId || randomUUID();
  };

  const after = (request: HttpRequest) => {
    const { event, response } = request;
    if (response) response.headers = { ...response.headers, "x-request-id": event.requestId ?? "" };
    const status = response?.statusCode ?? 500;
    log.info("request", {
      route: event.routeKey,
      method: event.requestContext?.http?.method,
      path: event.rawPath,
      status,
      durationMs: Math.round((performance.now() - (started.get(request) ?? performance.now())) * 10) / 10,
      requestId: event.requestId,
      ...(request.error && { errorCode: (request.error as { code?: unknown }).code ?? request.error.name }),
    });
  };

  return { before, after, onError: after } as MiddlewareObj;
}
