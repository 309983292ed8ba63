/**
 * The Exotel client against the fake Exotel over real HTTP (PROVIDERS.md §2.1, §2.2): what a
 * connect sends and with which credentials, call details read from India time into UTC, recording
 * downloads that give credentials only to the API's own origin, Exotel failures as
 * `ExotelApiError` with `retryable` set as a retry could help, the per-account base URL rule, and
 * the fake's StatusCallbacks in the shapes of PROVIDERS.md §7.4 (which the webhook tests rely on).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createExotelApi, ExotelApiError, type ExotelAccount } from "#core/ai-calling/exotel-api.ts";
import { parseStatusCallback } from "#core/ai-calling/exotel-callbacks.ts";
import { ValidationError } from "#core/errors.ts";
import { startFakeExotel, type FakeExotel } from "#test/fakes/exotel-server.ts";

const account: ExotelAccount = { apiKey: "acme_key_1", apiToken: "acme_token_secret_7f3b", sid: "acmeco1", subdomain: "api.in.exotel.com" };
const CALLBACK = "https://api.example.com/webhooks/exotel/status/acme/tk_9Qm2xV7rLp4sZ8";
const connectInput = { from: "+919812345678", to: "+918047112233", callerId: "08047112233", statusCallback: CALLBACK };

let fake: FakeExotel;

beforeAll(async () => {
  fake = await startFakeExotel();
  fake.addAccount(account);
  // Before anything reads the exotel config section: the client's default base URL is the fake.
  vi.stubEnv("EXOTEL_API_BASE_URL", fake.url);
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await fake.stop();
});

const api = (options: { timeoutMs?: number } = {}) => createExotelApi({ account, ...options });
const failure = async (promise: Promise<unknown>): Promise<ExotelApiError> => {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(ExotelApiError);
  return error as ExotelApiError;
};

describe("connectCall", () => {
  it("posts the documented form fields with Basic auth to the account's connect.json", async () => {
    const { callSid, status } = await api().connectCall({
      ...connectInput, customField: '{"callId":"c_01HZY"}', record: true, timeLimit: 600, timeOut: 30,
    });

    expect(callSid).toMatch(/^[0-9a-f]{32}$/);
    expect(status).toBe("in-progress");
    const request = fake.requests.at(-1)!;
    expect(request.method).toBe("POST");
    expect(request.path).toBe("/v1/Accounts/acmeco1/Calls/connect.json");
    expect(request.headers.authorization).toBe(`Basic ${Buffer.from("acme_key_1:acme_token_secret_7f3b").toString("base64")}`);
    expect(request.headers["content-type"]).toMatch(/^application\/x-www-form-urlencoded/);
    expect(fake.connectRequests().at(-1)).toEqual({
      From: "+919812345678", To: "+918047112233", CallerId: "08047112233", StatusCallback: CALLBACK,
      "StatusCallbackEvents[0]": "terminal", "StatusCallbackEvents[1]": "answered",
      StatusCallbackContentType: "application/json", Record: "true", CustomField: '{"callId":"c_01HZY"}',
      TimeLimit: "600", TimeOut: "30",
    });
  });

  it("asks only for the events given and sends Record=false when told", async () => {
    await api().connectCall({ ...connectInput, statusCallbackEvents: ["terminal"], record: false });

    const form = fake.connectRequests().at(-1)!;
    expect(form["StatusCallbackEvents[0]"]).toBe("terminal");
    expect(form).not.toHaveProperty("StatusCallbackEvents[1]");
    expect(form.Record).toBe("false");
  });

  it("refuses a CustomField over 128 characters without calling Exotel", async () => {
    const before = fake.requests.length;

    const attempt = api().connectCall({ ...connectInput, customField: "x".repeat(129) });

    await expect(attempt).rejects.toBeInstanceOf(ValidationError);
    expect(fake.requests.length).toBe(before);
  });

  it.each([{ timeLimit: 14_401 }, { timeLimit: 0 }, { timeOut: 1.5 }])("refuses %j without calling Exotel", async (limits) => {
    const before = fake.requests.length;

    const error = await api().connectCall({ ...connectInput, ...limits }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).details![0].path).toBe(Object.keys(limits)[0]);
    expect(fake.requests.length).toBe(before);
  });
});

describe("callDetails", () => {
  it("reads a settled call with its India-time timestamps as UTC dates", async () => {
    const { callSid } = await api().connectCall(connectInput);
    const startTime = new Date("2026-06-02T10:15:00Z");
    fake.settle(callSid, { status: "completed", startTime, endTime: new Date("2026-06-02T10:17:11Z"), durationSec: 131, price: 1.5, recording: new Uint8Array([1, 2, 3]) });

    const details = await api().callDetails(callSid);

    const answer = await fetch(`${fake.url}/v1/Accounts/acmeco1/Calls/${callSid}.json`, { headers: { authorization: fake.requests.at(-1)!.headers.authorization! } });
    expect(((await answer.json()) as { Call: { StartTime: string } }).Call.StartTime).toBe("2026-06-02 15:45:00");
    expect(details).toEqual({
      callSid, status: "completed", direction: "outbound-api", from: "+919812345678", to: "+918047112233",
      startTime, endTime: new Date("2026-06-02T10:17:11Z"), durationSec: 131, price: 1.5,
      recordingUrl: `${fake.url}/recordings/${callSid}.mp3`,
    });
  });

  it("leaves out what a live call does not have yet (end, duration, price, recording)", async () => {
    const { callSid } = await api().connectCall(connectInput);

    const details = await api().callDetails(callSid);

    expect(details.status).toBe("in-progress");
    expect(details.startTime).toBeInstanceOf(Date);
    expect(details.endTime).toBeUndefined();
    expect(details.durationSec).toBeUndefined();
    expect(details.price).toBeUndefined();
    expect(details.recordingUrl).toBeUndefined();
  });

  it("reads an inbound call's details with national numbers in E.164", async () => {
    fake.registerInboundCall({ callSid: "e12eb6e6fcd920019d7174b60099187v", from: "09901320691", to: "08069891522" });

    const details = await api().callDetails("e12eb6e6fcd920019d7174b60099187v");

    expect(details).toMatchObject({ direction: "inbound", from: "+919901320691", to: "+918069891522", status: "in-progress" });
  });

  it("answers an unknown call with a 404 ExotelApiError that a retry would not fix", async () => {
    const error = await failure(api().callDetails("0123456789abcdef0123456789abcdef"));

    expect(error.status).toBe(404);
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/callDetails.*Call not found/);
  });
});

describe("fetchRecording", () => {
  it("downloads the recording with the API's credentials from the API's own origin", async () => {
    const audio = new Uint8Array([0xff, 0xfb, 0x90, 0x44, 0x00]);
    const { callSid } = await api().connectCall(connectInput);
    fake.settle(callSid, { status: "completed", recording: audio });
    const { recordingUrl } = await api().callDetails(callSid);

    const { body, contentType } = await api().fetchRecording(recordingUrl!);

    expect(Array.from(body)).toEqual(Array.from(audio));
    expect(contentType).toBe("audio/mpeg");
    expect(fake.requests.at(-1)!.headers.authorization).toMatch(/^Basic /);
  });

  it("sends no credentials to another host (Exotel's recordings on S3)", async () => {
    const storage = await startFakeExotel();
    try {
      storage.addAccount({ apiKey: "other", apiToken: "other", sid: "other" });
      storage.registerInboundCall({ callSid: "rec1", from: "09901320691", to: "08069891522" });
      storage.settle("rec1", { status: "completed", recording: new Uint8Array([7, 7]) });

      const { body } = await api().fetchRecording(`${storage.url}/recordings/rec1.mp3`);

      expect(Array.from(body)).toEqual([7, 7]);
      expect(storage.requests.at(-1)!.path).toBe("/recordings/rec1.mp3");
      expect(storage.requests.at(-1)!.headers).not.toHaveProperty("authorization");
    } finally {
      await storage.stop();
    }
  });

  it("refuses a URL that is not http(s) without fetching it", async () => {
    const error = await failure(api().fetchRecording("file:///etc/passwd"));

    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/not an http\(s\) URL/);
  });
});

describe("failures", () => {
  it("turns a 401 into a non-retryable ExotelApiError with Exotel's message and no credentials", async () => {
    const wrong = createExotelApi({ account: { ...account, apiToken: "wrong_token_value" } });

    const error = await failure(wrong.connectCall(connectInput));

    expect(error.status).toBe(401);
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/connectCall.*Authentication is required/);
    expect(error.message).not.toMatch(/wrong_token_value|acme_key_1/);
  });

  it("refuses credentials of one account used on another account's sid", async () => {
    const other = createExotelApi({ account: { ...account, sid: "someone_else" } });

    const error = await failure(other.callDetails("0123456789abcdef0123456789abcdef"));

    expect(error.status).toBe(401);
  });

  it.each([429, 500, 503])("marks a %i answer retryable", async (status) => {
    fake.failNext("connect", { status });

    const error = await failure(api().connectCall(connectInput));

    expect(error.status).toBe(status);
    expect(error.retryable).toBe(true);
  });

  it("fails only the injected number of times, then connects", async () => {
    fake.failNext("details", { status: 500, times: 2 });
    const { callSid } = await api().connectCall(connectInput);

    const first = await failure(api().callDetails(callSid));
    const second = await failure(api().callDetails(callSid));
    const third = await api().callDetails(callSid);

    expect([first.status, second.status]).toEqual([500, 500]);
    expect(third.callSid).toBe(callSid);
  });

  it("marks a failed recording download retryable when Exotel's side broke", async () => {
    fake.failNext("recording", { status: 502 });

    const error = await failure(api().fetchRecording(`${fake.url}/recordings/anything.mp3`));

    expect(error).toMatchObject({ status: 502, retryable: true, operation: "fetchRecording" });
  });

  it("gives up after timeoutMs with a retryable error", async () => {
    fake.delayNext("details", 1_000);
    const started = performance.now();

    const error = await failure(api({ timeoutMs: 100 }).callDetails("0123456789abcdef0123456789abcdef"));

    expect(error.retryable).toBe(true);
    expect(error.status).toBeUndefined();
    expect(error.message).toMatch(/timed out after 100 ms/);
    expect(performance.now() - started).toBeLessThan(900);
  });

  it("marks a refused connection retryable", async () => {
    const gone = await startFakeExotel();
    await gone.stop();

    const error = await failure(createExotelApi({ account, baseUrl: gone.url }).callDetails("x"));

    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/network error/);
  });
});

describe("the fake's status callbacks", () => {
  let receiver: Server;
  let received: { contentType: string; body: string }[];
  let receiverUrl: string;

  beforeAll(async () => {
    received = [];
    receiver = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => {
        received.push({ contentType: request.headers["content-type"] ?? "", body: Buffer.concat(chunks).toString("utf8") });
        response.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/exotel/status/acme/tk_1`;
  });

  afterAll(async () => {
    await new Promise((resolve) => receiver.close(resolve));
  });

  it("posts a terminal JSON callback (§7.4 a) from the settled call to the connect's StatusCallback", async () => {
    const { callSid } = await api().connectCall({ ...connectInput, statusCallback: receiverUrl, customField: "c_42" });
    const startTime = new Date("2026-06-02T10:15:00Z");
    fake.settle(callSid, { status: "completed", startTime, durationSec: 131, recording: new Uint8Array([1]) });

    const answer = await fake.sendStatusCallback(callSid);

    expect(answer).toEqual({ status: 200, body: '{"ok":true}' });
    const { contentType, body } = received.at(-1)!;
    expect(contentType).toBe("application/json");
    expect(JSON.parse(body).StartTime).toBe("2026-06-02 15:45:00");
    expect(parseStatusCallback(JSON.parse(body))).toMatchObject({
      callSid, eventType: "terminal", status: "completed", startTime, endTime: new Date("2026-06-02T10:17:11Z"), durationSec: 131,
      recordingUrl: `${fake.url}/recordings/${callSid}.mp3`, customField: "c_42", from: "+919812345678", direction: "outbound-api",
    });
  });

  it("posts an answered callback as a call in progress without a recording", async () => {
    const { callSid } = await api().connectCall({ ...connectInput, statusCallback: receiverUrl });

    await fake.sendStatusCallback(callSid, { eventType: "answered" });

    const event = parseStatusCallback(JSON.parse(received.at(-1)!.body));
    expect(event).toMatchObject({ callSid, eventType: "answered", status: "in-progress", durationSec: 0 });
    expect(event.recordingUrl).toBeUndefined();
  });

  it("posts the default 4-field form callback (§7.4 c/d) with overrides applied", async () => {
    const { callSid } = await api().connectCall({ ...connectInput, statusCallback: receiverUrl });
    fake.settle(callSid, { status: "busy" });

    await fake.sendStatusCallback(callSid, { eventType: null, encoding: "form", overrides: { RecordingUrl: "null" } });

    const { contentType, body } = received.at(-1)!;
    expect(contentType).toBe("application/x-www-form-urlencoded");
    expect(Object.keys(Object.fromEntries(new URLSearchParams(body)))).toEqual(["CallSid", "DateUpdated", "Status", "RecordingUrl"]);
    expect(parseStatusCallback(Object.fromEntries(new URLSearchParams(body)))).toMatchObject({ callSid, status: "busy" });
  });

  it("posts an arbitrary (forged) body where it is told", async () => {
    const answer = await fake.postStatusCallback(receiverUrl, { CallSid: "forged", Status: "completed" }, "form");

    expect(answer.status).toBe(200);
    expect(received.at(-1)!.body).toBe("CallSid=forged&Status=completed");
  });
});

describe("base URL", () => {
  // A fresh module graph reads the exotel config section anew, under the stubbed variable.
  const loadApi = async (configured: string) => {
    vi.resetModules();
    vi.stubEnv("EXOTEL_API_BASE_URL", configured);
    return import("#core/ai-calling/exotel-api.ts");
  };

  afterEach(() => {
    vi.stubEnv("EXOTEL_API_BASE_URL", fake.url);
  });

  it.each([
    ["api.in.exotel.com", "https://api.in.exotel.com"],
    ["@api.in.exotel.com", "https://api.in.exotel.com"],
    ["https://api.in.exotel.com/", "https://api.in.exotel.com"],
    [" API.exotel.com ", "https://api.exotel.com"],
    ["evil.example", "https://api.exotel.com"],
    ["api.exotel.com.evil.example", "https://api.exotel.com"],
    ["evil.example/.exotel.com", "https://api.exotel.com"],
    ["evil.example#.exotel.com", "https://api.exotel.com"],
    ["user@evil.exotel.com", "https://api.exotel.com"],
    ["http://api.in.exotel.com", "https://api.exotel.com"],
    ["exotel.com", "https://api.exotel.com"],
    ["", "https://api.exotel.com"],
  ])("with the default EXOTEL_API_BASE_URL, subdomain %j calls %s", async (subdomain, expected) => {
    const { exotelBaseUrl } = await loadApi("https://api.exotel.com");

    expect(exotelBaseUrl(subdomain)).toBe(expected);
  });

  it("uses a configured EXOTEL_API_BASE_URL whatever the account's subdomain", async () => {
    const { exotelBaseUrl } = await loadApi("http://127.0.0.1:4010/");

    expect(exotelBaseUrl("api.in.exotel.com")).toBe("http://127.0.0.1:4010");
  });

  it("sends a client built without baseUrl to the configured stand-in, not the account's cluster", async () => {
    const before = fake.requests.length;

    await api().connectCall(connectInput);

    expect(fake.requests.length).toBe(before + 1);
  });
});
