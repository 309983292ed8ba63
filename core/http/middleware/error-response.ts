/**
 * The one place errors become HTTP: the API.md error shape, the status and headers the error
 * carries, the message only when it is safe to show. Anything unexpected is a 500 that says
 * nothing about itself to the caller and everything (cause, stack) to the log.
 */
import type { MiddlewareObj } from "@middy/core";
import { AppError } from "../../errors.ts";
import { describeError, log } from "../../log.ts";
import type { HttpRequest } from "../event.ts";

export function errorResponse(): MiddlewareObj {
  const onError = (request: HttpRequest) => {
    const { error, event } = request;
    const known = error instanceof AppError ? error : undefined;
    const statusCode = known?.statusCode ?? httpStatusOf(error) ?? 500;
    if (statusCode >= 500) {
      log.error("request failed", { route: event.routeKey, requestId: event.requestId, error: describeError(error) });
    }
    const code = known?.code ?? (statusCode >= 500 ? "INTERNAL" : "BAD_REQUEST");
    const message = known?.expose ? known.message : statusCode === 503 ? "A dependency is unavailable, retry later" : statusCode >= 500 ? "Internal error" : "Bad request";
    request.response = {
      statusCode,
      headers: { "content-type": "application/json", ...known?.headers },
      body: JSON.stringify({
        error: { code, message, ...(known?.details && { details: known.details }), requestId: event.requestId },
      }),
    };
  };

  return { onError } as MiddlewareObj;
}

/** A 4xx thrown by a middy middleware (as `createError` does) is a 400 BAD_REQUEST without its text. */
function httpStatusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === "number" && status >= 400 && status < 500 ? 400 : undefined;
}
