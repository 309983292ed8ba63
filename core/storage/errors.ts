/**
 * The one translator from S3 SDK failures to the error catalogue, so nothing above
 * `core/storage` sees an `S3ServiceException`. A store that cannot be reached or answers 5xx
 * becomes `UnavailableError` (503, the caller may retry); anything else is our own mistake
 * (missing bucket, bad credentials, bad input) and is rethrown as is.
 */
import { UnavailableError } from "#core/errors.ts";

/** Node socket and DNS failures that mean "the store is not reachable right now". */
const NETWORK_CODES = new Set([
  "ECONNREFUSED", "ECONNRESET", "ECONNABORTED", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND",
  "EAI_AGAIN", "EPIPE", "ETIMEDOUT",
]);

/** The SDK's names for a connect or socket timeout. */
const TIMEOUT_NAMES = new Set(["TimeoutError", "RequestTimeout"]);

/**
 * Runs one S3 call and translates its failure.
 *
 * @example
 * const output = await callS3(() => client.send(new HeadObjectCommand({ Bucket, Key })));
 */
export async function callS3<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw translateS3Error(error);
  }
}

/** The error to throw in place of `error`: `UnavailableError` for an outage, else `error`. */
export function translateS3Error(error: unknown): unknown {
  return isUnavailable(error) ? new UnavailableError("Object storage is unavailable", 5, { cause: error }) : error;
}

/** The HTTP status S3 answered with, or undefined when no answer came. */
export function s3Status(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

function isUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const status = s3Status(error);
  if (status !== undefined) return status >= 500;
  const code = (error as { code?: unknown }).code;
  return (typeof code === "string" && NETWORK_CODES.has(code)) || TIMEOUT_NAMES.has(error.name);
}
