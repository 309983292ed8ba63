/**
 * Reading what Exotel sends us (PROVIDERS.md §2.2, §2.3, §7.4, §7.5): StatusCallback bodies, as
 * JSON (typed values) or as forms (all strings), and Passthru query strings. Exotel's habits are
 * absorbed here once: India-time timestamps without a zone, numbers as strings, `null` and
 * `"null"` for "none", 0-prefixed national numbers, DTMF digits wrapped in quotes.
 */
import * as z from "zod";
import { BadRequestError } from "../errors.ts";
import { log } from "../log.ts";
import type { CallStatus } from "./call-logs.ts";
import { normalizePhoneNumber, parseExotelNumber, parseExotelTime, parseRecordingUrl } from "./exotel-values.ts";

export interface ExotelStatusEvent {
  callSid: string;
  eventType?: "terminal" | "answered";
  /** Exotel's `Status`, lowercased (`completed`, `no-answer`, `in-progress`…). */
  status: string;
  dateUpdated?: Date;
  startTime?: Date;
  endTime?: Date;
  /** `ConversationDuration`: seconds both parties were connected. */
  durationSec?: number;
  recordingUrl?: string;
  /** E.164 when the number reads as one, else as Exotel wrote it. */
  from?: string;
  to?: string;
  direction?: string;
  customField?: string;
}

export interface ExotelStreamInfo {
  streamSid?: string;
  status?: string;
  durationSec?: number;
  recordingUrl?: string;
  streamUrl?: string;
  disconnectedBy?: string;
}

export interface ExotelPassthru {
  callSid: string;
  from?: string;
  to?: string;
  /** `incoming` for inbound calls (not `inbound`), `outbound-dial`… */
  direction?: string;
  callType?: string;
  /** DTMF from a preceding Gather applet, without Exotel's surrounding quotes. */
  digits?: string;
  startTime?: Date;
  currentTime?: Date;
  customField?: string;
  /** Present after a Voicebot/Stream applet. */
  stream?: ExotelStreamInfo;
}

const optionalValue = z.unknown().optional();

/** A StatusCallback body as a route declares it: only CallSid is required; the rest is read leniently. */
export const statusCallbackBody = z.looseObject({
  CallSid: z.string().min(1),
  EventType: optionalValue, Status: optionalValue, DateCreated: optionalValue, DateUpdated: optionalValue,
  StartTime: optionalValue, EndTime: optionalValue, ConversationDuration: optionalValue,
  RecordingUrl: optionalValue, From: optionalValue, To: optionalValue, PhoneNumberSid: optionalValue,
  Direction: optionalValue, CustomField: optionalValue, Legs: optionalValue,
});

const optionalText = z.string().optional();

/** A Passthru query as a route declares it; `Stream[...]` and other extra parameters pass through. */
export const passthruQuery = z.looseObject({
  CallSid: z.string().min(1),
  CallFrom: optionalText, CallTo: optionalText, From: optionalText, To: optionalText,
  Direction: optionalText, Created: optionalText, StartTime: optionalText, EndTime: optionalText,
  CurrentTime: optionalText, CallType: optionalText, DialCallDuration: optionalText,
  DialWhomNumber: optionalText, DialCallStatus: optionalText, digits: optionalText,
  RecordingUrl: optionalText, CustomField: optionalText, Stream: optionalText, flow_id: optionalText,
  tenant_id: optionalText,
});

/**
 * A StatusCallback body (JSON or form) as an event; a body without CallSid is a 400.
 *
 * @example
 * const event = parseStatusCallback({ CallSid: "b7e6…", DateUpdated: "2026-06-02 16:02:11", Status: "no-answer" });
 * // { callSid: "b7e6…", status: "no-answer", dateUpdated: 2026-06-02T10:32:11.000Z }
 */
export function parseStatusCallback(body: Record<string, unknown>): ExotelStatusEvent {
  const callSid = requireCallSid(body.CallSid);
  const eventType = readText(body.EventType)?.toLowerCase();
  return withoutUndefined({
    callSid,
    eventType: eventType === "terminal" || eventType === "answered" ? eventType : undefined,
    status: readText(body.Status)?.toLowerCase() ?? "",
    dateUpdated: parseExotelTime(body.DateUpdated),
    startTime: parseExotelTime(body.StartTime),
    endTime: parseExotelTime(body.EndTime),
    durationSec: parseExotelNumber(body.ConversationDuration),
    recordingUrl: parseRecordingUrl(body.RecordingUrl),
    from: readPhone(body.From),
    to: readPhone(body.To),
    direction: readText(body.Direction),
    customField: readText(body.CustomField),
  });
}

/**
 * A Passthru request's query as the call's state at that point of the flow.
 *
 * @example
 * const { callSid, from, digits } = parsePassthru({ CallSid: "e12e…", CallFrom: "09901320691", digits: '"215250"' });
 * // from "+919901320691", digits "215250"
 */
export function parsePassthru(query: Record<string, string | undefined>): ExotelPassthru {
  const callSid = requireCallSid(query.CallSid);
  const digits = readText(query.digits ?? query.Digits)?.replace(/^"(.*)"$/, "$1");
  return withoutUndefined({
    callSid,
    from: readPhone(query.CallFrom ?? query.From),
    to: readPhone(query.CallTo ?? query.To),
    direction: readText(query.Direction),
    callType: readText(query.CallType),
    digits: digits === "" ? undefined : digits,
    startTime: parseExotelTime(query.StartTime),
    currentTime: parseExotelTime(query.CurrentTime),
    customField: readText(query.CustomField),
    stream: readStream(query, callSid),
  });
}

const TERMINAL = new Set(["completed", "failed", "busy", "no-answer", "canceled", "cancelled"]);

/** Whether Exotel says the call is over (nothing later may move it back). */
export function isTerminalStatus(status: string): boolean {
  return TERMINAL.has(status.toLowerCase());
}

const CALL_LOG_STATUS: Record<string, CallStatus> = {
  queued: "initiated", ringing: "ringing", "in-progress": "in-progress", completed: "completed", failed: "failed",
  busy: "busy", "no-answer": "no-answer", canceled: "canceled", cancelled: "canceled",
};

/**
 * Exotel's call status as a call log's `status`; undefined for one we do not know.
 *
 * @example
 * toCallLogStatus("queued"); // "initiated"
 */
export function toCallLogStatus(exotelStatus: string): CallStatus | undefined {
  const key = exotelStatus.toLowerCase();
  return Object.hasOwn(CALL_LOG_STATUS, key) ? CALL_LOG_STATUS[key] : undefined;
}

/** `Stream[Status]=…` parameters (brackets decoded or not), or one JSON `Stream` parameter. */
const STREAM_PARAM = /^Stream(?:\[|%5B)(\w+)(?:\]|%5D)$/i;

function readStream(query: Record<string, string | undefined>, callSid: string): ExotelStreamInfo | undefined {
  const fields: Record<string, unknown> = {};
  // Keys compared without case or underscores: `StreamSID`, `streamSid`, `stream_sid`.
  const put = (key: string, value: unknown) => { fields[key.toLowerCase().replace(/_/g, "")] = value; };
  if (query.Stream) {
    try {
      const parsed: unknown = JSON.parse(query.Stream);
      if (typeof parsed === "object" && parsed !== null) for (const [key, value] of Object.entries(parsed)) put(key, value);
    } catch {
      log.warn("exotel passthru: Stream is not JSON", { callSid });
    }
  }
  for (const [name, value] of Object.entries(query)) {
    const match = STREAM_PARAM.exec(name);
    if (match) put(match[1], value);
  }
  const stream = withoutUndefined({
    streamSid: readText(fields.streamsid),
    status: readText(fields.status)?.toLowerCase(),
    durationSec: parseExotelNumber(fields.duration),
    recordingUrl: parseRecordingUrl(fields.recordingurl),
    streamUrl: readText(fields.streamurl),
    disconnectedBy: readText(fields.disconnectedby),
  });
  return Object.keys(stream).length > 0 ? stream : undefined;
}

function requireCallSid(value: unknown): string {
  const callSid = readText(value);
  // Not checked as hex: one observed Passthru CallSid ended in a non-hex letter (PROVIDERS §2).
  if (callSid === undefined) throw new BadRequestError("CallSid is required");
  return callSid;
}

/** A string value, trimmed; empty and `"null"` (a form's rendering of null) are none. */
function readText(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  const trimmed = value.trim();
  return trimmed === "" || trimmed === "null" ? undefined : trimmed;
}

function readPhone(value: unknown): string | undefined {
  const raw = readText(value);
  return raw === undefined ? undefined : normalizePhoneNumber(raw) ?? raw;
}

/** Undefined fields dropped, so a stored event holds no nulls the driver made of them. */
function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as T;
}
