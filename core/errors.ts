/**
 * The platform's error catalogue: every failure a caller can see, with the HTTP status and the
 * stable `code` of API.md. Code anywhere in `core` throws these; the HTTP error middleware is
 * the one place that turns them into responses. `expose` says whether `message` may be shown
 * to the caller (never for 5xx: their messages are logged, not sent).
 *
 * @example
 * throw new NotFoundError("agent not found");
 * throw new ValidationError([{ path: "config.llm.temperature", message: "must be at most 2" }]);
 */

export interface ErrorDetail {
  /** Dotted path of the offending field (`config.llm.temperature`), or "" for the whole input. */
  path: string;
  message: string;
}

interface AppErrorOptions {
  cause?: unknown;
  details?: ErrorDetail[];
  headers?: Record<string, string>;
}

export class AppError extends Error {
  readonly code: string;
  readonly statusCode: number;
  readonly expose: boolean;
  readonly details?: ErrorDetail[];
  /** Response headers the status calls for (`Retry-After`, `WWW-Authenticate`). */
  readonly headers: Record<string, string>;

  constructor(statusCode: number, code: string, message: string, options: AppErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.statusCode = statusCode;
    this.code = code;
    this.expose = statusCode < 500;
    this.details = options.details;
    this.headers = options.headers ?? {};
  }
}

export class ValidationError extends AppError {
  constructor(details: ErrorDetail[], message = "The request is not valid", options: Omit<AppErrorOptions, "details"> = {}) {
    super(400, "VALIDATION_FAILED", message, { ...options, details });
  }
}

export class BadRequestError extends AppError {
  constructor(message: string, options: AppErrorOptions = {}) {
    super(400, "BAD_REQUEST", message, options);
  }
}

export class UnauthorizedError extends AppError {
  constructor(message = "Authentication required", options: AppErrorOptions = {}) {
    super(401, "UNAUTHORIZED", message, { ...options, headers: { "WWW-Authenticate": "Bearer", ...options.headers } });
  }
}

export class ForbiddenError extends AppError {
  constructor(message = "Not allowed", options: AppErrorOptions = {}) {
    super(403, "FORBIDDEN", message, options);
  }
}

export class NotFoundError extends AppError {
  constructor(message = "Not found", options: AppErrorOptions = {}) {
    super(404, "NOT_FOUND", message, options);
  }
}

/** A unique index refused the write; `path` names the field that must be unique. */
export class ConflictError extends AppError {
  constructor(path: string, message = `${path || "value"} is already taken`, options: AppErrorOptions = {}) {
    super(409, "CONFLICT", message, { ...options, details: [{ path, message }] });
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(limitBytes: number, options: AppErrorOptions = {}) {
    super(413, "PAYLOAD_TOO_LARGE", `The request body is larger than ${limitBytes} bytes`, options);
  }
}

export class UnsupportedMediaTypeError extends AppError {
  constructor(expected = "application/json", options: AppErrorOptions = {}) {
    super(415, "UNSUPPORTED_MEDIA_TYPE", `The request body must be sent as ${expected}`, options);
  }
}

export class LockedError extends AppError {
  constructor(message = "The account is locked", retryAfterSeconds?: number, options: AppErrorOptions = {}) {
    super(423, "LOCKED", message, { ...options, headers: retryAfterHeader(retryAfterSeconds, options.headers) });
  }
}

export class RateLimitedError extends AppError {
  constructor(retryAfterSeconds: number, message = "Too many requests", options: AppErrorOptions = {}) {
    super(429, "RATE_LIMITED", message, { ...options, headers: retryAfterHeader(retryAfterSeconds, options.headers) });
  }
}

/** Our own contract broke (a bug, or a validator rejecting what we validated): a loud 500. */
export class InternalError extends AppError {
  constructor(message = "Internal error", options: AppErrorOptions = {}) {
    super(500, "INTERNAL", message, options);
  }
}

/** A dependency (database, cache, provider) is down or timed out; the caller may retry. */
export class UnavailableError extends AppError {
  constructor(message = "A dependency is unavailable", retryAfterSeconds = 5, options: AppErrorOptions = {}) {
    super(503, "UNAVAILABLE", message, { ...options, headers: retryAfterHeader(retryAfterSeconds, options.headers) });
  }
}

function retryAfterHeader(seconds: number | undefined, headers: Record<string, string> = {}): Record<string, string> {
  return seconds === undefined ? headers : { "Retry-After": String(Math.max(1, Math.ceil(seconds))), ...headers };
}
