/**
 * Reading Exotel's webhooks (PROVIDERS.md §2.2, §2.3): every example payload of §7.4 and §7.5
 * parses to the expected event, in both encodings; RecordingUrl absent, null or "null" is none;
 * Stream parameters arrive bracketed (decoded or not) or as one JSON string; digits lose their
 * quotes; a body without CallSid is a 400; phone numbers come out in E.164.
 */
import { describe, expect, it } from "vitest";
import {
  isTerminalStatus, parsePassthru, parseStatusCallback, passthruQuery, statusCallbackBody, toCallLogStatus,
} from "#core/ai-calling/exotel-callbacks.ts";
import { normalizePhoneNumber, parseExotelTime } from "#core/ai-calling/exotel-values.ts";
import { BadRequestError } from "#core/errors.ts";
import {
  PASSTHRU_GATHER_QUERY, PASSTHRU_VOICEBOT_QUERY, STATUS_ANSWERED_JSON, STATUS_BUSY_RECORDING_NULL_FORM, STATUS_CONTENT_LENGTHS,
  STATUS_NO_ANSWER_FORM, STATUS_TERMINAL_JSON,
} from "#test/fixtures/exotel/payloads.ts";

/** As the route reads them: JSON parsed, forms and queries into objects of strings. */
const json = (body: string) => JSON.parse(body) as Record<string, unknown>;
const form = (body: string) => Object.fromEntries(new URLSearchParams(body));

describe("fixtures", () => {
  it("are the bytes PROVIDERS.md shows (their Content-Length matches)", () => {
    const bodies = { STATUS_TERMINAL_JSON, STATUS_ANSWERED_JSON, STATUS_NO_ANSWER_FORM, STATUS_BUSY_RECORDING_NULL_FORM };

    const lengths = Object.fromEntries(Object.entries(bodies).map(([name, body]) => [name, Buffer.byteLength(body, "utf8")]));

    expect(lengths).toEqual(STATUS_CONTENT_LENGTHS);
  });
});

describe("parseStatusCallback", () => {
  it("reads 7.4(a), a terminal JSON callback, with India-time timestamps as UTC", () => {
    const event = parseStatusCallback(json(STATUS_TERMINAL_JSON));

    expect(event).toEqual({
      callSid: "a1f0c3d9e8b7465f9c2d1e0b3a4f5c6d",
      eventType: "terminal",
      status: "completed",
      dateUpdated: new Date("2026-06-02T10:17:31Z"),
      startTime: new Date("2026-06-02T10:15:00Z"),
      endTime: new Date("2026-06-02T10:17:30Z"),
      durationSec: 131,
      recordingUrl: "https://s3-ap-southeast-1.amazonaws.com/exotelrecordings/acmeco/a1f0c3d9e8b7465f9c2d1e0b3a4f5c6d.mp3",
      from: "+918047112233",
      to: "+919123456789",
      direction: "outbound-api",
      customField: '{"tenant":"acme","callId":"c_01HZY"}',
    });
  });

  it("reads 7.4(b), answered, with null EndTime and RecordingUrl left out", () => {
    const event = parseStatusCallback(json(STATUS_ANSWERED_JSON));

    expect(event).toEqual({
      callSid: "a1f0c3d9e8b7465f9c2d1e0b3a4f5c6d",
      eventType: "answered",
      status: "in-progress",
      dateUpdated: new Date("2026-06-02T10:15:20Z"),
      startTime: new Date("2026-06-02T10:15:00Z"),
      durationSec: 0,
      from: "+918047112233",
      to: "+919123456789",
      direction: "outbound-api",
      customField: '{"tenant":"acme","callId":"c_01HZY"}',
    });
    expect(Object.keys(event)).not.toContain("endTime");
    expect(Object.keys(event)).not.toContain("recordingUrl");
  });

  it("reads 7.4(c), the default form callback without RecordingUrl", () => {
    const event = parseStatusCallback(form(STATUS_NO_ANSWER_FORM));

    expect(event).toEqual({ callSid: "b7e6d5c4b3a2410f9e8d7c6b5a4f3e2d", status: "no-answer", dateUpdated: new Date("2026-06-02T10:32:11Z") });
  });

  it("reads 7.4(d), busy with RecordingUrl the string \"null\", as no recording", () => {
    const event = parseStatusCallback(form(STATUS_BUSY_RECORDING_NULL_FORM));

    expect(event).toEqual({ callSid: "c3d2e1f0a9b8476c8d5e4f3a2b1c0d9e", status: "busy", dateUpdated: new Date("2026-06-02T10:40:42Z") });
  });

  it.each([null, "null", "", "  ", "ftp://files.example/a.mp3", 42])("treats RecordingUrl %j as no recording", (recordingUrl) => {
    const event = parseStatusCallback({ ...json(STATUS_TERMINAL_JSON), RecordingUrl: recordingUrl });

    expect(event.recordingUrl).toBeUndefined();
  });

  it("reads the full field set sent as a form, where every value is a string", () => {
    const body = Object.fromEntries(Object.entries(json(STATUS_TERMINAL_JSON)).filter(([key]) => key !== "Legs").map(([key, value]) => [key, String(value)]));

    const event = parseStatusCallback(body);

    expect(event).toEqual(parseStatusCallback(json(STATUS_TERMINAL_JSON)));
    expect(event.durationSec).toBe(131);
  });

  it("lowercases Status and ignores an unknown EventType", () => {
    const event = parseStatusCallback({ CallSid: "abc", Status: "Completed", EventType: "ringing" });

    expect(event.status).toBe("completed");
    expect(event.eventType).toBeUndefined();
  });

  it("keeps a number that cannot be E.164 as Exotel wrote it", () => {
    const event = parseStatusCallback({ CallSid: "abc", Status: "completed", From: "anonymous", To: "+91 98123 45678" });

    expect(event.from).toBe("anonymous");
    expect(event.to).toBe("+919812345678");
  });

  it("accepts a CallSid that is not hex (one observed ended in a letter)", () => {
    expect(parseStatusCallback({ CallSid: "e12eb6e6fcd920019d7174b60099187v", Status: "busy" }).callSid).toBe("e12eb6e6fcd920019d7174b60099187v");
  });

  it.each([{}, { CallSid: "" }, { CallSid: "   " }, { CallSid: null }, { CallSid: 42 }])("refuses %j with a BadRequestError", (body) => {
    expect(() => parseStatusCallback({ ...body, Status: "completed" })).toThrow(BadRequestError);
  });
});

describe("statusCallbackBody", () => {
  it("accepts every example body and keeps fields it does not list", () => {
    for (const body of [json(STATUS_TERMINAL_JSON), json(STATUS_ANSWERED_JSON), form(STATUS_NO_ANSWER_FORM), form(STATUS_BUSY_RECORDING_NULL_FORM)]) {
      expect(statusCallbackBody.parse({ ...body, Extra: "kept" })).toEqual({ ...body, Extra: "kept" });
    }
  });

  it("refuses a body without CallSid", () => {
    expect(statusCallbackBody.safeParse({ Status: "completed" }).success).toBe(false);
    expect(statusCallbackBody.safeParse({ CallSid: "", Status: "completed" }).success).toBe(false);
  });
});

describe("parsePassthru", () => {
  it("reads 7.5(a), after a Gather applet, with the digits' quotes stripped", () => {
    const passthru = parsePassthru(form(PASSTHRU_GATHER_QUERY));

    expect(passthru).toEqual({
      callSid: "e12eb6e6fcd920019d7174b60099187a",
      from: "+919901320691",
      to: "+918069891522",
      direction: "incoming",
      callType: "call-attempt",
      digits: "215250",
      startTime: new Date("2026-06-02T11:12:56Z"),
      currentTime: new Date("2026-06-02T11:13:02Z"),
    });
  });

  const voicebotStream = {
    streamSid: "8f1d2e3c4b5a69788796a5b4c3d2e1f0",
    status: "completed",
    durationSec: 212,
    streamUrl: "wss://bot.example.com/exotel/acme?sample-rate=8000",
    recordingUrl: "https://s3-ap-southeast-1.amazonaws.com/exotelrecordings/acmeco/8f1d2e3c4b5a69788796a5b4c3d2e1f0.mp3",
    disconnectedBy: "user",
  };

  it("reads 7.5(b), after a Voicebot applet, with its Stream[...] parameters", () => {
    const passthru = parsePassthru(form(PASSTHRU_VOICEBOT_QUERY));

    expect(passthru).toMatchObject({ callSid: "f0e1d2c3b4a5968778695a4b3c2d1e0f", from: "+919812345678", to: "+918047112233", callType: "completed" });
    expect(passthru.stream).toEqual(voicebotStream);
  });

  it("reads Stream parameters sent with literal brackets", () => {
    const query = PASSTHRU_VOICEBOT_QUERY.replaceAll("%5B", "[").replaceAll("%5D", "]");

    expect(parsePassthru(form(query)).stream).toEqual(voicebotStream);
  });

  it("reads Stream parameters whose keys a parser left percent-encoded", () => {
    const query = Object.fromEntries(PASSTHRU_VOICEBOT_QUERY.split("&").map((pair) => {
      const [key, value] = pair.split("=");
      return [key, decodeURIComponent(value.replaceAll("+", " "))];
    }));
    expect(Object.keys(query)).toContain("Stream%5BStatus%5D");

    expect(parsePassthru(query).stream).toEqual(voicebotStream);
  });

  it("reads one JSON-string Stream parameter, in Exotel's or snake casing", () => {
    const stream = JSON.stringify({
      stream_sid: voicebotStream.streamSid, Status: "Completed", Duration: 212, StreamUrl: voicebotStream.streamUrl,
      RecordingUrl: voicebotStream.recordingUrl, DisconnectedBy: "user",
    });

    const passthru = parsePassthru({ CallSid: "f0e1d2c3b4a5968778695a4b3c2d1e0f", Stream: stream });

    expect(passthru.stream).toEqual(voicebotStream);
  });

  it("ignores a Stream parameter that is not JSON", () => {
    expect(parsePassthru({ CallSid: "abc", Stream: "{not json" }).stream).toBeUndefined();
  });

  it("falls back to From/To and leaves out empty digits", () => {
    const passthru = parsePassthru({ CallSid: "abc", From: "9812345678", To: "+918047112233", digits: '""' });

    expect(passthru).toEqual({ callSid: "abc", from: "+919812345678", to: "+918047112233" });
  });

  it.each([{}, { CallSid: "" }])("refuses %j with a BadRequestError", (query) => {
    expect(() => parsePassthru(query)).toThrow(BadRequestError);
  });
});

describe("passthruQuery", () => {
  it("accepts both example queries, Stream[...] keys included", () => {
    const query = form(PASSTHRU_VOICEBOT_QUERY);

    expect(passthruQuery.parse(query)).toEqual(query);
    expect(passthruQuery.parse(form(PASSTHRU_GATHER_QUERY)).CallSid).toBe("e12eb6e6fcd920019d7174b60099187a");
  });

  it("refuses a query without CallSid", () => {
    expect(passthruQuery.safeParse({ CallFrom: "09901320691" }).success).toBe(false);
  });
});

describe("statuses", () => {
  it.each([
    ["queued", "initiated", false], ["ringing", "ringing", false], ["in-progress", "in-progress", false],
    ["completed", "completed", true], ["failed", "failed", true], ["busy", "busy", true], ["no-answer", "no-answer", true],
    ["canceled", "canceled", true], ["cancelled", "canceled", true], ["Completed", "completed", true],
  ] as const)("maps %s to the call-log status %s (terminal: %s)", (exotel, callLog, terminal) => {
    expect(toCallLogStatus(exotel)).toBe(callLog);
    expect(isTerminalStatus(exotel)).toBe(terminal);
  });

  it.each(["answered", "", "toString", "unknown"])("has no call-log status for %j", (status) => {
    expect(toCallLogStatus(status)).toBeUndefined();
    expect(isTerminalStatus(status)).toBe(false);
  });
});

describe("parseExotelTime", () => {
  it.each([
    ["2026-06-02 15:45:00", "2026-06-02T10:15:00.000Z"],
    ["2026-01-01 02:00:00", "2025-12-31T20:30:00.000Z"],
    ["1970-01-01 05:30:00", "1970-01-01T00:00:00.000Z"],
  ])("reads %s (India time) as %s", (value, expected) => {
    expect(parseExotelTime(value)?.toISOString()).toBe(expected);
  });

  it.each([null, undefined, "null", "", "2026-02-30 10:00:00", "2026-06-02 24:00:00", "Tue, 02 Jun 2026 16:42:56", 1717320000])("reads %j as no time", (value) => {
    expect(parseExotelTime(value)).toBeUndefined();
  });
});

describe("normalizePhoneNumber", () => {
  it.each([
    ["+919812345678", "+919812345678"],
    ["+91 98123-45678", "+919812345678"],
    ["(+91) 98123 45678", "+919812345678"],
    ["09123456789", "+919123456789"],
    ["08047112233", "+918047112233"],
    ["9812345678", "+919812345678"],
    ["919812345678", "+919812345678"],
    ["0044 20 7946 0958", "+442079460958"],
    ["+14155550100", "+14155550100"],
  ])("reads %j as %s", (raw, expected) => {
    expect(normalizePhoneNumber(raw)).toBe(expected);
  });

  it("uses the given default country calling code for national numbers", () => {
    expect(normalizePhoneNumber("4155550100", "1")).toBe("+14155550100");
    expect(normalizePhoneNumber("14155550100", "1")).toBe("+14155550100");
  });

  it.each(["", "abc", "98123abcde", "+91abc45678", "12345", "123456789", "+1234567890123456", "+0123456789", "0091", "+123456", "98123456789012"])(
    "refuses %j",
    (raw) => {
      expect(normalizePhoneNumber(raw)).toBeUndefined();
    },
  );
});
