/**
 * AI Calling's maintenance crons (core/ai-calling/maintenance.ts), against the real database and
 * a fake Exotel: "Clean Old Sessions" deletes only ended sessions idle for more than 7 days; the
 * reconciliation settles calls whose terminal callback never came, once Exotel's call details say
 * they are over, and releases calls Exotel never acknowledged; the recording retry copies what a
 * failed first copy left behind; the size report counts every collection. Each cron also runs
 * once through its Lambda handler, with a ScheduledEvent whose `time` is the job's clock.
 *
 * The jobs take their clock as an argument, so tests move it forward instead of back-dating
 * documents: the stand-in's TTL monitor (ended sessions, 24 h) then never races a test.
 */
import { randomBytes } from "node:crypto";
import type { Context, ScheduledEvent } from "aws-lambda";
import { BSON, ObjectId } from "mongodb";
import { describe, expect, it } from "vitest";
import { agents, type Agent } from "#core/ai-calling/agents.ts";
import { startCall } from "#core/ai-calling/call-starts.ts";
import { collections } from "#core/ai-calling/collections.ts";
import { cleanEndedSessions, databaseStats, reconcileCalls, retryRecordings } from "#core/ai-calling/maintenance.ts";
import { phones, type Phone } from "#core/ai-calling/phones.ts";
import { CALL_CREDIT_HOLD } from "#core/ai-calling/pricing.ts";
import { sessions, type Session } from "#core/ai-calling/sessions.ts";
import { database } from "#core/db/client.ts";
import { openRepository } from "#core/db/repository.ts";
import { callLogOf, creditsOf, newNumber, sessionOf, useCallWorld, type CallUser, type Json } from "#test/fixtures/ai-calling/call-harness.ts";
import { exampleSession } from "#test/fixtures/ai-calling/seed-examples.ts";
import { handler as cleanEndedSessionsHandler } from "../../functions/ai-calling/crons/clean-ended-sessions.ts";
import { handler as databaseStatsHandler } from "../../functions/ai-calling/crons/database-stats.ts";
import { handler as reconcileCallsHandler } from "../../functions/ai-calling/crons/reconcile-calls.ts";
import { handler as retryRecordingsHandler } from "../../functions/ai-calling/crons/retry-call-recordings.ts";

const world = useCallWorld();

const MINUTE = 60_000;
const DAY = 86_400_000;
const AUDIO = new Uint8Array(Buffer.from("ID3\u0003\u0000fake mp3 frames of a call recording"));

/** The ScheduledEvent EventBridge sends, fired at `at`. */
const scheduledAt = (at: Date) => ({ time: at.toISOString() }) as ScheduledEvent;
const context = {} as Context;

const sessionsCollection = () => openRepository(sessions).collection;

/** The document's example session, as a new session of its own (a deep copy with new ids). */
function exampleSessionWith(fields: Partial<Session>): Session {
  const copy = BSON.deserialize(BSON.serialize(exampleSession)) as Session;
  return { ...copy, _id: new ObjectId(), sessionId: `sess_${randomBytes(9).toString("base64url")}`, ...fields };
}

describe("cleanEndedSessions", () => {
  it("deletes ended sessions idle for more than 7 days, and keeps recent ended and old active ones", async () => {
    const clock = new Date(Date.now() + 8 * DAY);
    const oldEnded = exampleSessionWith({ status: "ended", updatedAt: new Date(clock.getTime() - 8 * DAY) });
    const recentEnded = exampleSessionWith({ status: "ended", updatedAt: new Date(clock.getTime() - 6 * DAY) });
    const oldActive = exampleSessionWith({ status: "active", updatedAt: new Date(clock.getTime() - 30 * DAY) });
    await sessionsCollection().insertMany([oldEnded, recentEnded, oldActive]);

    const result = await cleanEndedSessions(clock);

    expect(result).toEqual({ deleted: 1 });
    expect(await sessionOf(oldEnded.sessionId)).toBeNull();
    expect(await sessionOf(recentEnded.sessionId)).toEqual(recentEnded);
    expect(await sessionOf(oldActive.sessionId)).toEqual(oldActive);
  });

  it("runs through its cron handler on the event's time", async () => {
    const clock = new Date(Date.now() + 8 * DAY);
    const oldEnded = exampleSessionWith({ status: "ended", updatedAt: new Date(clock.getTime() - 7 * DAY - MINUTE) });
    const justInside = exampleSessionWith({ status: "ended", updatedAt: new Date(clock.getTime() - 7 * DAY + MINUTE) });
    await sessionsCollection().insertMany([oldEnded, justInside]);

    const result = await cleanEndedSessionsHandler(scheduledAt(clock), context);

    expect(result).toEqual({ deleted: 1 });
    expect(await sessionOf(oldEnded.sessionId)).toBeNull();
    expect(await sessionOf(justInside.sessionId)).not.toBeNull();
  });
});

describe("reconcileCalls", () => {
  it("leaves a call alone while Exotel still reports it in progress", async () => {
    const user = await world.newUser({ credits: 10 });
    const { sessionId } = await world.placeCall(user);

    const result = await reconcileCalls(new Date(Date.now() + 2 * MINUTE));

    expect(result.unconfirmed).toBeGreaterThanOrEqual(1);
    const log = await callLogOf(sessionId);
    expect(log.status).toBe("initiated");
    expect(log.costBreakdown).toBeUndefined();
    expect((await sessionOf(sessionId))?.status).toBe("active");
    expect(await creditsOf(user)).toBe(10 - CALL_CREDIT_HOLD);
  });

  it("settles a call whose terminal callback never came, once Exotel's details say it completed", async () => {
    const user = await world.newUser({ credits: 10 });
    const { sessionId, callSid, agentId } = await world.placeCall(user);
    world.exotel.settle(callSid, { status: "completed", durationSec: 75, price: 0.02 });

    const result = await reconcileCalls(new Date(Date.now() + 2 * MINUTE));

    expect(result.settled).toBeGreaterThanOrEqual(1);
    const log = await callLogOf(sessionId);
    expect(log).toMatchObject({ status: "completed", durationSec: 75, costBreakdown: { telephony: 0.02 } });
    expect((await sessionOf(sessionId))?.status).toBe("ended");
    expect(await creditsOf(user)).toBeCloseTo(10 - log.costBreakdown!.total, 9);
    expect((await openRepository(agents).get(agentId)).stats).toEqual({ totalCalls: 1, totalDuration: 75, avgDuration: 75, successRate: 1 });
  });

  it("does not settle a call twice when it runs again", async () => {
    const user = await world.newUser({ credits: 10 });
    const { sessionId, callSid, agentId } = await world.placeCall(user);
    world.exotel.settle(callSid, { status: "completed", durationSec: 20 });
    await reconcileCalls(new Date(Date.now() + 2 * MINUTE));
    const [log, credits] = [await callLogOf(sessionId), await creditsOf(user)];

    await reconcileCalls(new Date(Date.now() + 3 * MINUTE));

    expect(await callLogOf(sessionId)).toEqual(log);
    expect(await creditsOf(user)).toBe(credits);
    expect((await openRepository(agents).get(agentId)).stats?.totalCalls).toBe(1);
  });

  describe("a call Exotel never acknowledged (no CallSid)", () => {
    /** A call started as POST /ai-calling/calls starts one, left as a crash before Exotel's answer leaves it. */
    async function unacknowledgedCall(user: CallUser) {
      const { phoneId, agentId } = await world.newPhone(user);
      const phone = (await openRepository(phones).get(phoneId)) as Phone;
      const agent = (await openRepository(agents).get(agentId)) as Agent;
      const { callLog } = await startCall({ direction: "outbound", status: "initiated", userId: user.id, phone, agent, otherParty: newNumber() });
      return callLog;
    }

    it("is left alone for its first 10 minutes", async () => {
      const user = await world.newUser({ credits: 10 });
      const callLog = await unacknowledgedCall(user);

      await reconcileCalls(new Date(callLog.createdAt.getTime() + 9 * MINUTE));

      const log = await callLogOf(callLog.sessionId);
      expect(log.status).toBe("initiated");
      expect(log.error).toBeUndefined();
      expect((await sessionOf(callLog.sessionId))?.status).toBe("active");
      expect(await creditsOf(user)).toBe(10 - CALL_CREDIT_HOLD);
    });

    it("is released after 10 minutes: failed with the reason, session ended, the credit given back", async () => {
      const user = await world.newUser({ credits: 10 });
      const callLog = await unacknowledgedCall(user);

      const result = await reconcileCalls(new Date(callLog.createdAt.getTime() + 11 * MINUTE));

      expect(result.released).toBeGreaterThanOrEqual(1);
      const log = await callLogOf(callLog.sessionId);
      expect(log).toMatchObject({ status: "failed", error: { code: "EXOTEL_NO_ANSWER", message: expect.any(String) }, durationSec: 0 });
      expect(log.costBreakdown?.total).toBe(0);
      expect((await sessionOf(callLog.sessionId))?.status).toBe("ended");
      expect(await creditsOf(user)).toBe(10);
    });

    it("reads as ended through the API once released, though it was cached active", async () => {
      const user = await world.newUser({ credits: 10 });
      const callLog = await unacknowledgedCall(user);

      await reconcileCalls(new Date(callLog.createdAt.getTime() + 11 * MINUTE));

      const response = await world.call(`/ai-calling/sessions/${callLog.sessionId}`, { token: user.token });
      expect(response.status).toBe(200);
      expect(((await response.json()) as Json).status).toBe("ended");
    });
  });

  it("runs through its cron handler on the event's time", async () => {
    const user = await world.newUser({ credits: 10 });
    const { sessionId, callSid } = await world.placeCall(user);
    world.exotel.settle(callSid, { status: "busy" });

    const result = (await reconcileCallsHandler(scheduledAt(new Date(Date.now() + 2 * MINUTE)), context)) as Record<string, number>;

    expect(result.settled).toBeGreaterThanOrEqual(1);
    expect(await callLogOf(sessionId)).toMatchObject({ status: "busy", durationSec: 0, costBreakdown: expect.any(Object) });
  });
});

describe("retryRecordings", () => {
  /** A completed call whose recording could not be fetched from Exotel when its callback came. */
  async function callWithPendingRecording(user: CallUser) {
    const call = await world.placeCall(user);
    world.exotel.settle(call.callSid, { status: "completed", durationSec: 30, recording: AUDIO });
    world.exotel.failNext("recording", { status: 500 });
    const { status } = await world.exotel.sendStatusCallback(call.callSid);
    expect(status).toBe(200);
    return call;
  }

  const recordingLinkOf = async (user: CallUser, callLogId: string) => {
    const response = await world.call(`/ai-calling/call-logs/${callLogId}`, { token: user.token });
    expect(response.status).toBe(200);
    return ((await response.json()) as Json).recordingUrl as string;
  };

  it("keeps Exotel's link as the mark of a pending copy when the first copy fails", async () => {
    const user = await world.newUser();

    const { sessionId, callSid, callLogId } = await callWithPendingRecording(user);

    const exotelLink = `${world.exotel.url}/recordings/${callSid}.mp3`;
    expect(await callLogOf(sessionId)).toMatchObject({ status: "completed", recordingUrl: exotelLink, costBreakdown: expect.any(Object) });
    expect(await recordingLinkOf(user, callLogId)).toBe(exotelLink);
  });

  it("copies the recording into our bucket, served by a presigned link", async () => {
    const user = await world.newUser();
    const { sessionId, callLogId } = await callWithPendingRecording(user);

    const result = await retryRecordings();

    expect(result.copied).toBeGreaterThanOrEqual(1);
    expect((await callLogOf(sessionId)).recordingUrl).toMatch(/^s3:\/\/test-recordings\/recordings\/ai-calling\/\d{4}\/\d{2}\/\w+\.mp3$/);
    const link = await recordingLinkOf(user, callLogId);
    expect(link).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/test-recordings\/recordings\/ai-calling\/.+X-Amz-Signature=/);
    const download = await fetch(link);
    expect(download.status).toBe(200);
    expect(new Uint8Array(await download.arrayBuffer())).toEqual(AUDIO);
  });

  it("runs through its cron handler", async () => {
    const user = await world.newUser();
    const { sessionId } = await callWithPendingRecording(user);

    const result = (await retryRecordingsHandler(scheduledAt(new Date()), context)) as { copied: number };

    expect(result.copied).toBeGreaterThanOrEqual(1);
    expect((await callLogOf(sessionId)).recordingUrl).toMatch(/^s3:\/\//);
  });
});

describe("databaseStats", () => {
  const countsNow = async () =>
    Object.fromEntries(await Promise.all(collections.map(async ({ name }) => [name, await database("ai-calling").collection(name).countDocuments()] as const)));

  it("reports the database's sizes and the documents of each collection", async () => {
    const user = await world.newUser();
    await world.placeCall(user);

    const stats = await databaseStats();

    expect(stats.collections).toEqual(await countsNow());
    expect(stats.collections).toMatchObject({ users: expect.any(Number), calllogs: expect.any(Number), sessions: expect.any(Number) });
    expect((stats.collections as Record<string, number>).calllogs).toBeGreaterThanOrEqual(1);
    expect(stats).toMatchObject({ dataSize: expect.any(Number), storageSize: expect.any(Number), indexSize: expect.any(Number), objects: expect.any(Number) });
  });

  it("runs through its cron handler", async () => {
    const stats = (await databaseStatsHandler(scheduledAt(new Date()), context)) as Json;

    expect(Object.keys(stats.collections).sort()).toEqual(collections.map(({ name }) => name).sort());
    expect(stats.collections).toEqual(await countsNow());
  });
});
