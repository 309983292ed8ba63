/**
 * Redis and S3 fail in the middle of a call (this file's own redis-server and s3rver, never the
 * shared ones), and nothing is lost. A call is placed and talked in while both answer; then Redis
 * stops: placing a call is refused (503: calls cost money, so that fails closed) but the live call
 * goes on: the voice runtime's turns reach MongoDB, its reads come from MongoDB, and the terminal
 * callback settles the call, each Redis failure only logged. S3 is down too when that callback
 * comes: the recording stays pending on Exotel's link, and the retry cron copies it once S3 is back.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { agents } from "#core/ai-calling/agents.ts";
import { callLogs } from "#core/ai-calling/call-logs.ts";
import { transcriptOf } from "#core/ai-calling/conversations.ts";
import { retryRecordings } from "#core/ai-calling/maintenance.ts";
import { CALL_CREDIT_HOLD } from "#core/ai-calling/pricing.ts";
import { openRepository } from "#core/db/repository.ts";
import { callLogOf, creditsOf, newNumber, sessionOf, useCallWorld, type CallUser, type Json } from "#test/fixtures/ai-calling/call-harness.ts";
import { captureLogs, readError } from "#test/fixtures/http/server.ts";
import { startTestRedis, type TestRedis } from "#test/helpers/redis.ts";
import { startTestS3, type TestS3 } from "#test/helpers/s3.ts";

const BUCKET = "outage-recordings";
const CREDITS = 25;
const AUDIO = new Uint8Array(Buffer.from("ID3\u0003\u0000a recording made during an outage"));

let testRedis: TestRedis;
let testS3: TestS3;

// Registered before the call world's hooks, so both are in place before the server's first request
// (the container's Redis and S3 clients are built from these on first use).
beforeAll(async () => {
  testRedis = await startTestRedis();
  testS3 = await startTestS3([BUCKET]);
  process.env.UPSTASH_REDIS_REST_URL = testRedis.bridgeUrl;
  process.env.UPSTASH_REDIS_REST_TOKEN = testRedis.token;
  process.env.AWS_ENDPOINT_URL_S3 = testS3.endpoint;
  process.env.RECORDINGS_BUCKET = BUCKET;
});

afterAll(async () => {
  await testS3?.stop();
  await testRedis?.stop();
});

const world = useCallWorld();

/** The call every step follows. */
let user: CallUser;
let call: { sessionId: string; callSid: string; callLogId: string; agentId: string };

const appendTurn = (turn: { role: string; content: string }) =>
  world.call(`/ai-calling/sessions/${call.sessionId}/messages`, { token: user.token, json: turn });
const getSession = () => world.call(`/ai-calling/sessions/${call.sessionId}`, { token: user.token });
const storedCallLog = () => callLogOf(call.sessionId);
const storedSession = () => sessionOf(call.sessionId);

/** What `run` answered, and the messages it logged at warn and at error level. */
async function logsDuring<T>(run: () => Promise<T>): Promise<{ result: T; warnings: string[]; errors: string[] }> {
  const logs = captureLogs();
  try {
    const result = await run();
    const entries = logs.entries();
    const messages = (level: string) => entries.filter((entry) => entry.level === level).map((entry) => String(entry.message));
    return { result, warnings: messages("warn"), errors: messages("error") };
  } finally {
    logs.stop();
  }
}

describe("while Redis and S3 answer", () => {
  it("places a call whose turns are appended and read back from the Redis copy", async () => {
    user = await world.newUser({ credits: CREDITS });
    const phone = await world.newPhone(user);
    const placed = await world.call("/ai-calling/calls", { token: user.token, json: { phoneId: phone.phoneId, to: newNumber() } });
    expect(placed.status).toBe(201);
    const log = (await placed.json()) as Json;
    call = { sessionId: log.sessionId, callSid: log.exotelCallSid, callLogId: log._id, agentId: phone.agentId };

    const turns = [await appendTurn({ role: "assistant", content: "Hello! How can I help?" }), await appendTurn({ role: "user", content: "My parcel is late" })];
    const read = await getSession();

    expect(turns.map((turn) => turn.status)).toEqual([201, 201]);
    expect(read.headers.get("x-session-source")).toBe("redis");
    expect(((await read.json()) as Json).conversationHistory).toHaveLength(2);
    expect(await creditsOf(user)).toBe(CREDITS - CALL_CREDIT_HOLD);
  });
});

describe("once Redis has stopped", () => {
  beforeAll(async () => {
    await testRedis.stopServer();
  });

  it("refuses to place a call with 503 and Retry-After (calls cost money: it fails closed), holding nothing", async () => {
    const phone = await world.newPhone(user);
    const logsBefore = await openRepository(callLogs).collection.countDocuments({ userId: user.id });

    const { result: response, warnings } = await logsDuring(() =>
      world.call("/ai-calling/calls", { token: user.token, json: { phoneId: phone.phoneId, to: newNumber() } }));

    expect(response.status).toBe(503);
    expect(warnings).toContainEqual(expect.stringMatching(/failing closed/));
    expect((await readError(response)).code).toBe("UNAVAILABLE");
    expect(Number(response.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await openRepository(callLogs).collection.countDocuments({ userId: user.id })).toBe(logsBefore);
    expect(await creditsOf(user)).toBe(CREDITS - CALL_CREDIT_HOLD);
  });

  it("still appends the voice runtime's turns to MongoDB, only logging the cache it could not write", async () => {
    const { result: response, warnings } = await logsDuring(() => appendTurn({ role: "assistant", content: "Let me check that for you" }));

    expect(response.status).toBe(201);
    expect(((await response.json()) as Json).conversationHistory).toHaveLength(3);
    expect((await storedSession()).conversationHistory.map((turn) => turn.content)).toEqual([
      "Hello! How can I help?", "My parcel is late", "Let me check that for you",
    ]);
    expect(warnings).toContainEqual(expect.stringMatching(/session cache: write failed/));
  });

  it("answers a session read from MongoDB, only logging the cache it could not read", async () => {
    const { result: response, warnings } = await logsDuring(() => getSession());

    expect(response.status).toBe(200);
    expect(response.headers.get("x-session-source")).toBe("mongodb");
    const history = ((await response.json()) as Json).conversationHistory as Json[];
    expect(history.map((turn) => turn.content)).toEqual((await storedSession()).conversationHistory.map((turn) => turn.content));
    expect(history.slice(0, 2).map((turn) => turn.content)).toEqual(["Hello! How can I help?", "My parcel is late"]);
    expect(warnings).toContainEqual(expect.stringMatching(/session cache: read failed/));
  });

  describe("and S3 is down when the terminal callback comes", () => {
    beforeAll(async () => {
      await testS3.stopServer();
    });

    it("settles the call anyway (credits, agent stats, session ended) and keeps the recording pending", async () => {
      world.exotel.settle(call.callSid, { status: "completed", durationSec: 120, price: 0.03, recording: AUDIO });

      const { result: callback, warnings, errors } = await logsDuring(() => world.exotel.sendStatusCallback(call.callSid));

      expect(callback.status).toBe(200);
      const log = await storedCallLog();
      expect(log).toMatchObject({
        status: "completed", durationSec: 120, costBreakdown: { telephony: 0.03 },
        transcript: transcriptOf((await storedSession()).conversationHistory),
        recordingUrl: `${world.exotel.url}/recordings/${call.callSid}.mp3`,
      });
      expect(log.transcript).toMatch(/^Agent: Hello! How can I help\?\nUser: My parcel is late/);
      expect(await creditsOf(user)).toBeCloseTo(CREDITS - log.costBreakdown!.total, 9);
      expect((await openRepository(agents).get(call.agentId)).stats).toEqual({ totalCalls: 1, totalDuration: 120, avgDuration: 120, successRate: 1 });
      expect((await storedSession()).status).toBe("ended");
      expect(warnings).toContainEqual(expect.stringMatching(/session cache: write failed/));
      expect(warnings).toContainEqual(expect.stringMatching(/recording copy failed/));
      expect(errors).toEqual([]);
    });

    it("copies the recording into the bucket once S3 is back", async () => {
      await testS3.restartServer();

      const result = await retryRecordings();

      expect(result).toEqual({ copied: 1, pending: 0 });
      const { recordingUrl } = await storedCallLog();
      expect(recordingUrl).toMatch(new RegExp(`^s3://${BUCKET}/recordings/ai-calling/\\d{4}/\\d{2}/${call.callSid}\\.mp3$`));
      const stored = await testS3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: recordingUrl!.slice(`s3://${BUCKET}/`.length) }));
      expect(await stored.Body!.transformToByteArray()).toEqual(AUDIO);
    });

    it("shows the copy through the API as a presigned link, Redis still down", async () => {
      const response = await world.call(`/ai-calling/call-logs/${call.callLogId}`, { token: user.token });

      expect(response.status).toBe(200);
      const link = ((await response.json()) as Json).recordingUrl as string;
      expect(link.startsWith(`${testS3.endpoint}/${BUCKET}/`)).toBe(true);
      expect(new Uint8Array(await (await fetch(link)).arrayBuffer())).toEqual(AUDIO);
    });
  });
});
