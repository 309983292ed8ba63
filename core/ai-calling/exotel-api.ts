/**
 * Exotel's HTTP API (PROVIDERS.md §2), called with one user's own credentials: start a call,
 * read a call's details, download its recording. Basic auth (API key, API token), form bodies,
 * `.json` endpoints. Failures become an `ExotelApiError` that says whether a retry may help and
 * never carries the credentials.
 */
import { ValidationError } from "../errors.ts";
import { config } from "../config/index.ts";
import { normalizePhoneNumber, parseExotelNumber, parseExotelTime, parseRecordingUrl } from "./exotel-values.ts";
import type { User } from "./users.ts";

/** A user's decrypted `exotelConfig`. */
export type ExotelAccount = NonNullable<User["exotelConfig"]>;

export interface ConnectCallInput {
  from: string;
  to: string;
  /** The ExoPhone the callee sees. */
  callerId: string;
  statusCallback: string;
  /** Default both: `answered` feeds the live status, `terminal` ends the call. */
  statusCallbackEvents?: ("terminal" | "answered")[];
  /** Echoed back in callbacks; Exotel documents at most 128 characters. */
  customField?: string;
  record?: boolean;
  /** Maximum call length in seconds (Exotel allows up to 14400). */
  timeLimit?: number;
  /** Ring timeout in seconds. */
  timeOut?: number;
}

export interface ExotelCallDetails {
  callSid: string;
  status: string;
  direction: string;
  from: string;
  to: string;
  startTime?: Date;
  endTime?: Date;
  durationSec?: number;
  price?: number;
  recordingUrl?: string;
}

export class ExotelApiError extends Error {
  readonly operation: string;
  /** Exotel's HTTP status (or RestException status); undefined for network errors and timeouts. */
  readonly status: number | undefined;
  readonly retryable: boolean;

  constructor(operation: string, detail: string, options: { status?: number; retryable: boolean; cause?: unknown }) {
    super(`Exotel ${operation} failed: ${detail}`, { cause: options.cause });
    this.name = "ExotelApiError";
    this.operation = operation;
    this.status = options.status;
    this.retryable = options.retryable;
  }
}

const DEFAULT_BASE_URL = "https://api.exotel.com";
const EXOTEL_HOST = /^([a-z0-9-]+\.)+exotel\.com$/;
const MAX_CUSTOM_FIELD = 128;
const MAX_TIME_LIMIT = 14_400;

/**
 * The API base for an account: its cluster host (`api.in.exotel.com`) while EXOTEL_API_BASE_URL
 * is the default, else the configured URL (a stand-in). Only `*.exotel.com` hosts are taken from
 * the user's data, so a stored subdomain can never point our credentials or requests elsewhere.
 *
 * @example
 * exotelBaseUrl("@api.in.exotel.com"); // "https://api.in.exotel.com"
 * exotelBaseUrl("evil.example");        // "https://api.exotel.com"
 */
export function exotelBaseUrl(subdomain: string): string {
  const configured = config("exotel").apiBaseUrl.replace(/\/+$/, "");
  if (configured !== DEFAULT_BASE_URL) return configured;
  const host = subdomain.trim().toLowerCase().replace(/^@?(https:\/\/)?@?/, "").replace(/\/+$/, "");
  return EXOTEL_HOST.test(host) ? `https://${host}` : configured;
}

/**
 * A client of Exotel's API for one account.
 *
 * @example
 * const exotel = createExotelApi({ account: user.exotelConfig });
 * const { callSid } = await exotel.connectCall({ from: "+919812345678", to: "+918047112233", callerId: "08047112233", statusCallback });
 * const details = await exotel.callDetails(callSid);
 */
export function createExotelApi({ account, baseUrl = exotelBaseUrl(account.subdomain), timeoutMs = 10_000 }: { account: ExotelAccount; baseUrl?: string; timeoutMs?: number }) {
  const base = baseUrl.replace(/\/+$/, "");
  const calls = `${base}/v1/Accounts/${encodeURIComponent(account.sid)}/Calls`;
  const authorization = `Basic ${Buffer.from(`${account.apiKey}:${account.apiToken}`).toString("base64")}`;

  async function send(operation: string, url: string, init: RequestInit): Promise<{ response: Response; bytes: Uint8Array }> {
    let response: Response;
    let bytes: Uint8Array;
    try {
      response = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
      bytes = new Uint8Array(await response.arrayBuffer());
    } catch (error) {
      const timedOut = (error as { name?: unknown }).name === "TimeoutError";
      throw new ExotelApiError(operation, timedOut ? `timed out after ${timeoutMs} ms` : "network error", { retryable: true, cause: error });
    }
    if (!response.ok) throw answerError(operation, response.status, readJson(bytes));
    return { response, bytes };
  }

  async function sendJson(operation: string, url: string, form?: URLSearchParams): Promise<Record<string, unknown>> {
    const headers = { authorization, accept: "application/json", ...(form && { "content-type": "application/x-www-form-urlencoded" }) };
    const { response, bytes } = await send(operation, url, { method: form ? "POST" : "GET", headers, body: form });
    const answer = readJson(bytes);
    if (isRecord(answer) && "RestException" in answer) throw answerError(operation, response.status, answer);
    const call = isRecord(answer) ? answer.Call : undefined;
    if (!isRecord(call) || typeof call.Sid !== "string" || call.Sid === "") {
      throw new ExotelApiError(operation, "the answer holds no Call", { status: response.status, retryable: false });
    }
    return call;
  }

  return {
    async connectCall(input: ConnectCallInput): Promise<{ callSid: string; status: string }> {
      checkConnectInput(input);
      const form = new URLSearchParams({ From: input.from, To: input.to, CallerId: input.callerId, StatusCallback: input.statusCallback });
      (input.statusCallbackEvents ?? ["terminal", "answered"]).forEach((event, index) => form.append(`StatusCallbackEvents[${index}]`, event));
      form.append("StatusCallbackContentType", "application/json");
      if (input.record !== undefined) form.append("Record", String(input.record));
      if (input.customField !== undefined) form.append("CustomField", input.customField);
      if (input.timeLimit !== undefined) form.append("TimeLimit", String(input.timeLimit));
      if (input.timeOut !== undefined) form.append("TimeOut", String(input.timeOut));
      const call = await sendJson("connectCall", `${calls}/connect.json`, form);
      return { callSid: call.Sid as string, status: String(call.Status ?? "").toLowerCase() };
    },

    async callDetails(callSid: string): Promise<ExotelCallDetails> {
      const call = await sendJson("callDetails", `${calls}/${encodeURIComponent(callSid)}.json`);
      return {
        callSid: call.Sid as string,
        status: String(call.Status ?? "").toLowerCase(),
        direction: typeof call.Direction === "string" ? call.Direction : "",
        from: typeof call.From === "string" ? normalizePhoneNumber(call.From) ?? call.From : "",
        to: typeof call.To === "string" ? normalizePhoneNumber(call.To) ?? call.To : "",
        startTime: parseExotelTime(call.StartTime),
        endTime: parseExotelTime(call.EndTime),
        durationSec: parseExotelNumber(call.Duration),
        price: parseExotelNumber(call.Price),
        recordingUrl: parseRecordingUrl(call.RecordingUrl),
      };
    },

    /** Exotel's recordings live on S3 (pre-signed): credentials go only to the API's own origin. */
    async fetchRecording(url: string): Promise<{ body: Uint8Array; contentType: string }> {
      const target = parseRecordingUrl(url);
      if (target === undefined) throw new ExotelApiError("fetchRecording", "the recording URL is not an http(s) URL", { retryable: false });
      const headers = new URL(target).origin === new URL(base).origin ? { authorization } : undefined;
      const { response, bytes } = await send("fetchRecording", target, { method: "GET", headers });
      return { body: bytes, contentType: response.headers.get("content-type") || "audio/mpeg" };
    },
  };
}

export type ExotelApi = ReturnType<typeof createExotelApi>;

/** Refused before Exotel sees them: limits Exotel documents (PROVIDERS.md §2.1). */
function checkConnectInput({ customField, timeLimit, timeOut }: ConnectCallInput): void {
  const problems = [
    customField !== undefined && customField.length > MAX_CUSTOM_FIELD && { path: "customField", message: `must be at most ${MAX_CUSTOM_FIELD} characters` },
    timeLimit !== undefined && !(Number.isInteger(timeLimit) && timeLimit >= 1 && timeLimit <= MAX_TIME_LIMIT) && { path: "timeLimit", message: `must be a whole number of seconds from 1 to ${MAX_TIME_LIMIT}` },
    timeOut !== undefined && !(Number.isInteger(timeOut) && timeOut >= 1) && { path: "timeOut", message: "must be a whole number of seconds, at least 1" },
  ].filter((problem) => problem !== false);
  if (problems.length > 0) throw new ValidationError(problems);
}

function answerError(operation: string, httpStatus: number, answer: unknown): ExotelApiError {
  const exception = isRecord(answer) && isRecord(answer.RestException) ? answer.RestException : {};
  const status = httpStatus >= 200 && httpStatus < 300 ? Number(exception.Status) || httpStatus : httpStatus;
  const message = typeof exception.Message === "string" ? `: ${exception.Message.slice(0, 200)}` : "";
  return new ExotelApiError(operation, `HTTP ${status}${message}`, { status, retryable: status === 429 || status >= 500 });
}

function readJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(Buffer.from(bytes).toString("utf8"));
  } catch {
    return undefined;
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);
