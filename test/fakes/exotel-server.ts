/**
 * A fake Exotel at the HTTP level (PROVIDERS.md §2) for the AI Calling tests: `node:http` on
 * 127.0.0.1 with a free port; point EXOTEL_API_BASE_URL at `url`. It checks Basic auth against
 * the accounts added, answers `Calls/connect` and call details in Exotel's JSON shapes (India-time
 * timestamps without a zone), serves recordings, records every request, can fail or stall the
 * next requests, and posts StatusCallbacks shaped like PROVIDERS.md §7.4 to the URL a call gave.
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type FakeExotelOperation = "connect" | "details" | "recording";

export interface FakeExotelAccount {
  apiKey: string;
  apiToken: string;
  sid: string;
}

export interface FakeExotelRequest {
  method: string;
  /** The path without the query string. */
  path: string;
  headers: IncomingHttpHeaders;
  query: Record<string, string>;
  /** The form body, decoded (`StatusCallbackEvents[0]` keeps its brackets); {} for other bodies. */
  form: Record<string, string>;
}

export interface FakeExotelCall {
  sid: string;
  accountSid: string;
  direction: "outbound-api" | "inbound";
  from: string;
  to: string;
  phoneNumberSid: string;
  status: string;
  dateCreated: Date;
  dateUpdated: Date;
  startTime: Date;
  endTime?: Date;
  durationSec?: number;
  price?: number;
  recording?: Uint8Array;
  /** The connect request's form (outbound calls). */
  form?: Record<string, string>;
}

export interface SettleOptions {
  status: "completed" | "busy" | "no-answer" | "failed";
  durationSec?: number;
  startTime?: Date;
  endTime?: Date;
  price?: number;
  recording?: Uint8Array | null;
}

export interface StatusCallbackOptions {
  /**
   * Default `terminal` when the connect request asked for events, else none; `null` sends the
   * default 4-field body (§7.4 c/d) whatever was asked.
   */
  eventType?: "terminal" | "answered" | null;
  /** Default as the connect request's `StatusCallbackContentType` asked (JSON or form). */
  encoding?: "json" | "form";
  /** Fields to set on the body after it is built; `undefined` removes one. */
  overrides?: Record<string, unknown>;
}

export interface FakeExotel {
  url: string;
  /** Every request received, in order. */
  requests: FakeExotelRequest[];
  addAccount(account: FakeExotelAccount): void;
  connectRequests(): Record<string, string>[];
  call(callSid: string): FakeExotelCall | undefined;
  settle(callSid: string, options: SettleOptions): void;
  /** An inbound call the details endpoint knows (of `accountSid`, default the first account). */
  registerInboundCall(input: { callSid: string; from: string; to: string; accountSid?: string }): void;
  sendStatusCallback(callSid: string, options?: StatusCallbackOptions): Promise<{ status: number; body: string }>;
  postStatusCallback(url: string, body: Record<string, unknown>, encoding?: "json" | "form"): Promise<{ status: number; body: string }>;
  /** The next `times` (default 1) requests of `operation` answer `status` with a RestException. */
  failNext(operation: FakeExotelOperation, options: { status: number; times?: number }): void;
  /** The next request of `operation` waits `delayMs` before answering (to make clients time out). */
  delayNext(operation: FakeExotelOperation, delayMs: number): void;
  stop(): Promise<void>;
}

const IST_OFFSET_MS = (5 * 60 + 30) * 60_000;
const CONNECT = /^\/v1\/Accounts\/([^/]+)\/Calls\/connect(?:\.json)?$/;
const DETAILS = /^\/v1\/Accounts\/([^/]+)\/Calls\/([^/]+?)(?:\.json)?$/;
const RECORDING = /^\/recordings\/([^/]+)\.mp3$/;

/** A Date as Exotel writes it: `YYYY-MM-DD HH:mm:ss` in India time, no zone. */
export function exotelTime(date: Date): string {
  return new Date(date.getTime() + IST_OFFSET_MS).toISOString().slice(0, 19).replace("T", " ");
}

export async function startFakeExotel(): Promise<FakeExotel> {
  const accounts: FakeExotelAccount[] = [];
  const calls = new Map<string, FakeExotelCall>();
  const requests: FakeExotelRequest[] = [];
  const failures: Record<FakeExotelOperation, { status: number; times: number } | undefined> = { connect: undefined, details: undefined, recording: undefined };
  const delays: Record<FakeExotelOperation, number> = { connect: 0, details: 0, recording: 0 };
  let url = "";

  const json = (response: ServerResponse, status: number, body: unknown) => {
    response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
  };
  const restException = (response: ServerResponse, status: number, message: string) => json(response, status, { RestException: { Status: status, Message: message } });

  const authorized = (headers: IncomingHttpHeaders, sid: string): boolean => {
    const [scheme, encoded] = (headers.authorization ?? "").split(" ");
    if (scheme !== "Basic" || !encoded) return false;
    const decoded = Buffer.from(encoded, "base64").toString("utf8");
    const separator = decoded.indexOf(":");
    const [apiKey, apiToken] = [decoded.slice(0, separator), decoded.slice(separator + 1)];
    return accounts.some((account) => account.apiKey === apiKey && account.apiToken === apiToken && account.sid === sid);
  };

  /** An injected failure or delay for this operation; true when the request was answered. */
  const intercept = async (operation: FakeExotelOperation, response: ServerResponse): Promise<boolean> => {
    const delayMs = delays[operation];
    delays[operation] = 0;
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    const failure = failures[operation];
    if (!failure) return false;
    if (--failure.times <= 0) failures[operation] = undefined;
    restException(response, failure.status, `Injected failure (${failure.status})`);
    return true;
  };

  const callJson = (call: FakeExotelCall) => ({
    Call: {
      Sid: call.sid, ParentCallSid: null, DateCreated: exotelTime(call.dateCreated), DateUpdated: exotelTime(call.dateUpdated),
      AccountSid: call.accountSid, To: call.to, From: call.from, PhoneNumberSid: call.phoneNumberSid, Status: call.status,
      StartTime: exotelTime(call.startTime), EndTime: call.endTime ? exotelTime(call.endTime) : null,
      Duration: call.durationSec ?? null, Price: call.price === undefined ? null : call.price.toFixed(3),
      Direction: call.direction, AnsweredBy: null, ForwardedFrom: null, CallerName: null,
      Uri: `/v1/Accounts/${call.accountSid}/Calls/${call.sid}.json`,
      RecordingUrl: call.recording ? `${url}/recordings/${call.sid}.mp3` : null,
    },
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const target = new URL(request.url ?? "/", "http://fake.exotel");
    const raw = await readBody(request);
    const isForm = /^application\/x-www-form-urlencoded/i.test(request.headers["content-type"] ?? "");
    const form = isForm ? Object.fromEntries(new URLSearchParams(raw)) : {};
    requests.push({ method: request.method ?? "GET", path: target.pathname, headers: request.headers, query: Object.fromEntries(target.searchParams), form });

    const recording = RECORDING.exec(target.pathname);
    if (request.method === "GET" && recording) {
      if (await intercept("recording", response)) return;
      const audio = calls.get(decodeURIComponent(recording[1]))?.recording;
      if (!audio) return restException(response, 404, "Recording not found");
      response.writeHead(200, { "content-type": "audio/mpeg", "content-length": audio.byteLength }).end(audio);
      return;
    }
    const connect = CONNECT.exec(target.pathname);
    const details = connect ? null : DETAILS.exec(target.pathname);
    const sid = decodeURIComponent((connect ?? details)?.[1] ?? "");
    if (!connect && !details) return restException(response, 404, "Resource not found");
    if (!authorized(request.headers, sid)) return restException(response, 401, "Authentication is required to view this resource.");

    if (connect && request.method === "POST") {
      if (await intercept("connect", response)) return;
      if (!form.From || !form.CallerId || !(form.To || form.Url)) return restException(response, 400, "From, CallerId and To (or Url) are required");
      const now = new Date();
      const call: FakeExotelCall = {
        sid: randomBytes(16).toString("hex"), accountSid: sid, direction: "outbound-api", from: form.From, to: form.To ?? "",
        phoneNumberSid: form.CallerId, status: "in-progress", dateCreated: now, dateUpdated: now, startTime: now, form,
      };
      calls.set(call.sid, call);
      return json(response, 200, callJson(call));
    }
    if (details && request.method === "GET") {
      if (await intercept("details", response)) return;
      const call = calls.get(decodeURIComponent(details[2]));
      if (!call || call.accountSid !== sid) return restException(response, 404, "Call not found");
      return json(response, 200, callJson(call));
    }
    restException(response, 405, "Method not allowed");
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) restException(response, 500, String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const mustFind = (callSid: string): FakeExotelCall => {
    const call = calls.get(callSid);
    if (!call) throw new Error(`fake Exotel: no call ${callSid}`);
    return call;
  };

  return {
    url,
    requests,
    addAccount: (account) => { accounts.push({ ...account }); },
    connectRequests: () => requests.filter((request) => request.method === "POST" && CONNECT.test(request.path)).map((request) => request.form),
    call: (callSid) => calls.get(callSid),
    settle(callSid, options) {
      const call = mustFind(callSid);
      const durationSec = options.durationSec ?? (options.status === "completed" ? 30 : 0);
      const startTime = options.startTime ?? call.startTime;
      Object.assign(call, {
        status: options.status, startTime, durationSec, price: options.price,
        endTime: options.endTime ?? new Date(startTime.getTime() + durationSec * 1000),
        recording: options.recording ?? undefined, dateUpdated: new Date(),
      });
    },
    registerInboundCall({ callSid, from, to, accountSid = accounts[0]?.sid }) {
      if (!accountSid) throw new Error("fake Exotel: add an account before registering an inbound call");
      const now = new Date();
      calls.set(callSid, { sid: callSid, accountSid, direction: "inbound", from, to, phoneNumberSid: to, status: "in-progress", dateCreated: now, dateUpdated: now, startTime: now });
    },
    async sendStatusCallback(callSid, options = {}) {
      const call = mustFind(callSid);
      const form = call.form ?? {};
      const callbackUrl = form.StatusCallback;
      if (!callbackUrl) throw new Error(`fake Exotel: call ${callSid} gave no StatusCallback`);
      const asked = Object.keys(form).some((key) => key.startsWith("StatusCallbackEvents"));
      const eventType = options.eventType === undefined ? (asked ? "terminal" : undefined) : options.eventType ?? undefined;
      const encoding = options.encoding ?? (form.StatusCallbackContentType === "application/json" ? "json" : "form");
      const body = { ...statusBody(call, eventType, url), ...options.overrides };
      return postStatusCallback(callbackUrl, body, encoding);
    },
    postStatusCallback,
    failNext(operation, { status, times = 1 }) {
      failures[operation] = { status, times };
    },
    delayNext(operation, delayMs) {
      delays[operation] = delayMs;
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * A StatusCallback body from a call's state: the 4 default fields (§7.4 c/d) without an event
 * type, the full set (§7.4 a/b) with one; `answered` reports the call as in progress.
 */
function statusBody(call: FakeExotelCall, eventType: "terminal" | "answered" | undefined, baseUrl: string): Record<string, unknown> {
  const answered = eventType === "answered";
  const recordingUrl = !answered && call.recording ? `${baseUrl}/recordings/${call.sid}.mp3` : undefined;
  const dateUpdated = exotelTime(answered ? call.startTime : call.dateUpdated);
  if (!eventType) return { CallSid: call.sid, DateUpdated: dateUpdated, Status: call.status, ...(recordingUrl && { RecordingUrl: recordingUrl }) };
  const status = answered ? "in-progress" : call.status;
  const duration = answered ? 0 : call.durationSec ?? 0;
  return {
    CallSid: call.sid, EventType: eventType, DateCreated: exotelTime(call.dateCreated), DateUpdated: dateUpdated,
    To: call.to, From: call.from, PhoneNumberSid: call.phoneNumberSid, StartTime: exotelTime(call.startTime),
    EndTime: !answered && call.endTime ? exotelTime(call.endTime) : null, Status: status, ConversationDuration: duration,
    Direction: call.direction, CustomField: call.form?.CustomField ?? null, RecordingUrl: recordingUrl ?? null,
    Legs: [{ OnCallDuration: duration, Status: status, AnsweredBy: answered || status === "completed" ? "HUMAN" : "NA" }],
  };
}

/** Posts a callback as Exotel would: JSON as is, or a form of strings (null as `null`, Legs left out). */
async function postStatusCallback(url: string, body: Record<string, unknown>, encoding: "json" | "form" = "json"): Promise<{ status: number; body: string }> {
  const entries = Object.entries(body).filter(([, value]) => value !== undefined);
  const payload = encoding === "json"
    ? JSON.stringify(Object.fromEntries(entries))
    : new URLSearchParams(entries.filter(([, value]) => typeof value !== "object" || value === null).map(([key, value]): [string, string] => [key, String(value)])).toString();
  const contentType = encoding === "json" ? "application/json" : "application/x-www-form-urlencoded";
  const response = await fetch(url, { method: "POST", headers: { "content-type": contentType }, body: payload });
  return { status: response.status, body: await response.text() };
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}
