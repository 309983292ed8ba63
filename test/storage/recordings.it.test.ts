/**
 * Call recordings against a real s3rver: the key layout (system, UTC year and month, call ID),
 * saving bytes and streams, refusing unknown audio types, and presigned playback URLs.
 */
import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { UnsupportedMediaTypeError, ValidationError } from "#core/errors.ts";
import * as Objects from "#core/storage/objects.ts";
import * as Recordings from "#core/storage/recordings.ts";
import { startTestS3, type TestS3 } from "#test/helpers/s3.ts";

const bucket = "recordings";
let s3: TestS3;
let seq = 0;
const freshCallId = () => `CA${Date.now().toString(16)}${++seq}`;

beforeAll(async () => {
  s3 = await startTestS3([bucket]);
});

afterAll(async () => {
  await s3?.stop();
});

describe("recordingKey", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("files a recording under its system and the call's UTC year and month", () => {
    const at = new Date("2025-01-31T23:30:00-05:00"); // 2025-02-01 04:30 UTC

    const key = Recordings.recordingKey({ system: "ai-calling", callId: "CA42", extension: "mp3", at });

    expect(key).toBe("recordings/ai-calling/2025/02/CA42.mp3");
  });

  it("uses the current month when no date is given", () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2024-12-31T23:59:59Z"));

    const key = Recordings.recordingKey({ system: "support", callId: "abc", extension: "wav" });

    expect(key).toBe("recordings/support/2024/12/abc.wav");
  });

  it("refuses a call ID that would add a level to the key", () => {
    const act = () => Recordings.recordingKey({ system: "ai-calling", callId: "../CA42/x", extension: "mp3" });

    expect(act).toThrow(ValidationError);
    expect(act).toThrow(expect.objectContaining({ details: [expect.objectContaining({ path: "callId" })] }));
  });
});

describe("saveRecording", () => {
  it("stores the bytes under the recording key and returns the key and size", async () => {
    const callId = freshCallId();
    const audio = randomBytes(4096);
    const at = new Date("2025-06-15T12:00:00Z");

    const saved = await Recordings.saveRecording({ client: s3.client, bucket, system: "ai-calling", callId, body: audio, contentType: "audio/mpeg", at });

    expect(saved).toEqual({ key: `recordings/ai-calling/2025/06/${callId}.mp3`, size: 4096 });
    expect(await Objects.getObjectBytes({ client: s3.client, bucket, key: saved.key })).toEqual(new Uint8Array(audio));
    expect(await Objects.headObject({ client: s3.client, bucket, key: saved.key })).toMatchObject({ contentType: "audio/mpeg", contentLength: 4096 });
  });

  it("stores a stream of stated length and names the file after the content type", async () => {
    const callId = freshCallId();
    const audio = randomBytes(30_000);

    const saved = await Recordings.saveRecording({
      client: s3.client, bucket, system: "support", callId,
      body: Readable.from([audio.subarray(0, 10_000), audio.subarray(10_000)]), contentLength: audio.length,
      contentType: "audio/x-wav; rate=8000",
    });

    expect(saved.key).toMatch(new RegExp(`^recordings/support/\\d{4}/\\d{2}/${callId}\\.wav$`));
    expect(saved.size).toBe(30_000);
    expect(await Objects.getObjectBytes({ client: s3.client, bucket, key: saved.key })).toEqual(new Uint8Array(audio));
    expect(await Objects.headObject({ client: s3.client, bucket, key: saved.key })).toMatchObject({ contentType: "audio/x-wav" });
  });

  it("refuses an audio type it has no extension for and stores nothing", async () => {
    const callId = freshCallId();

    const saving = Recordings.saveRecording({ client: s3.client, bucket, system: "ai-calling", callId, body: new Uint8Array(3), contentType: "audio/flac" });

    await expect(saving).rejects.toBeInstanceOf(UnsupportedMediaTypeError);
    const stored = await Objects.listAllObjects({ client: s3.client, bucket, prefix: "recordings/" });
    expect(stored.filter((o) => o.key.includes(callId))).toEqual([]);
  });
});

describe("recordingUrl", () => {
  it("gives a URL that plays the saved recording", async () => {
    const audio = randomBytes(2048);
    const { key } = await Recordings.saveRecording({ client: s3.client, bucket, system: "ai-calling", callId: freshCallId(), body: audio, contentType: "audio/ogg" });

    const url = await Recordings.recordingUrl({ client: s3.client, bucket, key, expiresIn: 300 });
    const response = await fetch(url);

    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("audio/ogg");
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(new Uint8Array(audio));
  });
});
