import { MongoBulkWriteError, MongoError, MongoOperationTimeoutError, MongoServerError } from "mongodb";
import type { ExpectedError } from "./format.ts";
import { describeMismatch, formatValue } from "./match.ts";
import { toResultDocument } from "./operations.ts";

// Checks an operation's error against `expectError` ([UTF §expectedError], RUNNER-NOTES §6).

interface ServerErrorDetail {
  errmsg?: unknown;
  code?: unknown;
  codeName?: unknown;
}

export function describeErrorMismatch(expected: ExpectedError, error: unknown, options: { lenient?: boolean } = {}): string | undefined {
  for (const [key, value] of Object.entries(expected)) {
    const failure = checkAssertion(key, value, error, options.lenient ?? false);
    if (failure) return `expectError.${key}: ${failure}; the error was ${summarizeError(error)}`;
  }
  return undefined;
}

function checkAssertion(key: string, value: unknown, error: unknown, lenient: boolean): string | undefined {
  switch (key) {
    case "isError":
      return undefined;
    case "isClientError": {
      // Bulk write and write concern errors are MongoServerErrors: they carry the server's reply.
      const fromServer = error instanceof MongoServerError;
      if (value === !fromServer) return undefined;
      return value ? "expected a client-side error, got a server error" : "expected a server error, got a client-side error";
    }
    case "isTimeoutError":
      return (error instanceof MongoOperationTimeoutError) === value ? undefined : `expected isTimeoutError ${value}`;
    case "errorContains": {
      const needle = String(value).toLowerCase();
      return aggregatedDetails(error).some(({ errmsg }) => typeof errmsg === "string" && errmsg.toLowerCase().includes(needle))
        ? undefined
        : `expected a message containing ${JSON.stringify(value)}`;
    }
    case "errorCode":
      return aggregatedDetails(error).some(({ code }) => describeMismatch(value, code, { root: false }) === undefined)
        ? undefined
        : `expected code ${value}, got ${formatValue((error as ServerErrorDetail)?.code)}`;
    case "errorCodeName": {
      const wanted = String(value).toLowerCase();
      return aggregatedDetails(error).some(({ codeName }) => typeof codeName === "string" && codeName.toLowerCase() === wanted)
        ? undefined
        : `expected code name ${value}, got ${formatValue((error as ServerErrorDetail)?.codeName)}`;
    }
    case "errorLabelsContain":
    case "errorLabelsOmit": {
      const labels = error instanceof MongoError ? error.errorLabels : [];
      const wantPresent = key === "errorLabelsContain";
      const wrong = (value as string[]).filter((label) => labels.includes(label) !== wantPresent);
      return wrong.length === 0 ? undefined : `labels ${wrong.join(", ")} ${wantPresent ? "missing" : "present"} (labels: ${labels.join(", ")})`;
    }
    case "errorResponse": {
      if (!(error instanceof MongoServerError)) return "expected a server response, but the error has none";
      // The driver copies every field of the server's error reply onto the error object.
      return describeMismatch(value, error, { lenient, root: true, path: "errorResponse" });
    }
    case "expectResult": {
      if (!(error instanceof MongoBulkWriteError)) return "expected a partial result, but the error carries none";
      return describeMismatch(value, toResultDocument(error.result), { lenient, root: true });
    }
    default:
      return `unsupported assertion`;
  }
}

/**
 * The error and, for a bulk write error, each write error and write concern error it aggregates:
 * errorContains, errorCode and errorCodeName match any of them ([UTF §bulkWrite]).
 */
function aggregatedDetails(error: unknown): ServerErrorDetail[] {
  if (error === null || typeof error !== "object") return [];
  const details: ServerErrorDetail[] = [{ ...(error as ServerErrorDetail), errmsg: (error as Error).message }];
  if (error instanceof MongoServerError) details.push(error.errorResponse as ServerErrorDetail);
  if (error instanceof MongoBulkWriteError) {
    const writeErrors = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
    for (const writeError of writeErrors) {
      if (writeError) details.push({ errmsg: writeError.errmsg, code: writeError.code });
    }
    const concernError = error.result?.getWriteConcernError();
    if (concernError) details.push({ errmsg: concernError.errmsg, code: concernError.code });
  }
  if (error instanceof MongoServerError && error.writeConcernError) details.push(error.writeConcernError as ServerErrorDetail);
  return details;
}

export function summarizeError(error: unknown): string {
  if (!(error instanceof Error)) return formatValue(error);
  const detail = error as Error & ServerErrorDetail;
  const code = detail.code !== undefined ? ` (code ${String(detail.code)}${typeof detail.codeName === "string" ? ` ${detail.codeName}` : ""})` : "";
  return `${error.name}: ${error.message}${code}`;
}
