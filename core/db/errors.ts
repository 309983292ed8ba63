/**
 * The repository edge: driver errors become the platform's errors here, and nowhere above
 * `core` sees a `MongoServerError`.
 * - 11000 duplicate key -> `ConflictError` naming the field that must be unique;
 * - 121 document validation -> a loudly logged `InternalError` (input is validated before it
 *   reaches the driver, so a validator rejection means our own contract broke);
 * - network errors and timeouts -> `UnavailableError` with `Retry-After`;
 * - anything else is rethrown unchanged.
 *
 * @example
 * const created = await withDriverErrors(() => agents.insertOne(doc));
 */
import { MongoError, MongoNetworkError, MongoServerSelectionError, MongoServerError, MongoTopologyClosedError } from "mongodb";
import { ConflictError, InternalError, UnavailableError } from "../errors.ts";
import { log } from "../log.ts";

const TIMEOUT_CODES = new Set([50 /* MaxTimeMSExpired */, 89 /* NetworkTimeout */, 91 /* ShutdownInProgress */, 189 /* PrimarySteppedDown */, 262 /* ExceededTimeLimit */, 10107 /* NotWritablePrimary */, 11600 /* InterruptedAtShutdown */, 11602 /* InterruptedDueToReplStateChange */, 13435 /* NotPrimaryNoSecondaryOk */]);

export function translateDriverError(error: unknown): Error {
  if (error instanceof MongoServerError && error.code === 11000) {
    const field = Object.keys(error.keyValue ?? error.keyPattern ?? {})[0] ?? fieldFromMessage(error.message);
    return new ConflictError(field, `${field || "value"} is already taken`, { cause: error });
  }
  if (error instanceof MongoServerError && error.code === 121) {
    log.error("document validation failed: the collection validator refused a write the API had accepted", {
      errInfo: { failingDocumentId: error.errInfo?.failingDocumentId, details: withoutValues(error.errInfo?.details) },
      error,
    });
    return new InternalError("Internal error", { cause: error });
  }
  if (isUnavailable(error)) return new UnavailableError("The database is unavailable, retry shortly", 5, { cause: error });
  return error instanceof Error ? error : new Error(String(error));
}

/** Runs a driver call, translating what it throws. */
export async function withDriverErrors<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw translateDriverError(error);
  }
}

function isUnavailable(error: unknown): boolean {
  // A client whose first connection failed stays closed: `core/db/client` replaces it, and
  // meanwhile its callers are told the database is unavailable.
  if (error instanceof MongoNetworkError || error instanceof MongoServerSelectionError || error instanceof MongoTopologyClosedError) return true;
  if (error instanceof MongoError && (error.name === "MongoOperationTimeoutError" || error.hasErrorLabel("RetryableWriteError"))) return true;
  return error instanceof MongoServerError && typeof error.code === "number" && TIMEOUT_CODES.has(error.code);
}

/** `... index: email_1 dup key: { email: "a@b.c" }` -> "email" (servers that omit keyValue). */
function fieldFromMessage(message: string): string {
  return /dup key: \{ ?"?([^":\s]+)"?\s*:/.exec(message)?.[1] ?? "";
}

/** The validator's explanation without the values it refused (they may be secrets). */
function withoutValues(details: unknown): unknown {
  if (Array.isArray(details)) return details.map(withoutValues);
  if (details === null || typeof details !== "object" || details.constructor !== Object) return details;
  return Object.fromEntries(
    Object.entries(details)
      .filter(([key]) => key !== "consideredValue" && key !== "consideredValues" && key !== "consideredType")
      .map(([key, value]) => [key, withoutValues(value)]),
  );
}
