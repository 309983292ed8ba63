/**
 * Exotel's StatusCallback for outbound calls, delivered by the fake Exotel as Exotel sends it
 * (JSON with EventType, or the 4-field form): statuses only move forward, a terminal status ends
 * the session with its transcript, and the money moves once, on what Exotel's call-details API
 * confirms: cost breakdown, credits (hold returned, never below zero), agent stats; the recording
 * is copied to our bucket and read back through a presigned link. Forged and unknown callbacks
 * change nothing.
 */
import { describe, expect, it } from "vitest";
import { agents } from "#core/ai-calling/agents.ts";
import { statusCallbackUrl } from "#core/ai-calling/callback-tokens.ts";
import { callLogs } from "#core/ai-calling/call-logs.ts";
import { reconcileCalls } from "#core/ai-calling/maintenance.ts";
import { openRepository } from "#core/db/repository.ts";
import { callLogOf, creditsOf, sessionOf, useCallWorld } from "#test/fixtures/ai-calling/call-harness.ts";
import { readError } from "#test/fixtures/http/server.ts";

const world = useCallWorld();
const RECORDING = new Uint8Array(Buffer.from("ID3 fake mp3 bytes of a five minute call"));

/** A placed call, with two turns spoken unless it is one nobody answers. */
async function placedCall(credits = 50, { talk = true } = {}) {
  const user = await world.newUser({ credits });
  const phone = await world.newPhone(user);
  const { sessionId, callSid, callLogId } = await world.placeCall(user, phone);
  for (const turn of talk ? [{ role: "assistant", content: "Hello! How can I help?" }, { role: "user", content: "Where is my parcel?" }] : []) {
    expect((await world.call(`/ai-calling/sessions/${sessionId}/messages`, { token: user.token, json: turn })).status).toBe(201);
  }
  return { user, phone, sessionId, callSid, callLogId };
}

describe("a completed call", () => {
  it("is settled from Exotel's confirmed details: times, duration, transcript, cost, credits, agent stats, session ended, recording copied", async () => {
    const { user, phone, sessionId, callSid, callLogId } = await placedCall(50);
    const startTime = new Date("2026-06-02T10:15:00Z");
    world.exotel.settle(callSid, { status: "completed", durationSec: 131, startTime, endTime: new Date("2026-06-02T10:17:11Z"), price: 0.03, recording: RECORDING });

    const answered = await world.exotel.sendStatusCallback(callSid, { eventType: "answered" });
    const midway = await callLogOf(sessionId);
    const terminal = await world.exotel.sendStatusCallback(callSid, { eventType: "terminal" });
    const log = await callLogOf(sessionId);

    expect(answered.status).toBe(200);
    expect(midway.status).toBe("in-progress");
    expect(terminal.status).toBe(200);
    expect(log).toMatchObject({ status: "completed", durationSec: 131, startedAt: startTime, endedAt: new Date("2026-06-02T10:17:11Z") });
    expect(log.transcript).toBe("Agent: Hello! How can I help?\nUser: Where is my parcel?");
    expect(log.costBreakdown!.telephony).toBe(0.03);
    expect(log.costBreakdown!.total).toBeCloseTo(log.costBreakdown!.stt + log.costBreakdown!.llm + log.costBreakdown!.tts + 0.03, 6);
    expect(await creditsOf(user)).toBeCloseTo(50 - log.costBreakdown!.total, 6);
    expect((await sessionOf(sessionId))!.status).toBe("ended");
    const agent = await openRepository(agents).get(phone.agentId);
    expect(agent.stats).toEqual({ totalCalls: 1, totalDuration: 131, avgDuration: 131, successRate: 1 });

    expect(log.recordingUrl).toMatch(/^s3:\/\//);
    const read = (await (await world.call(`/ai-calling/call-logs/${callLogId}`, { token: user.token })).json()) as { recordingUrl: string };
    expect(read.recordingUrl).toMatch(/^http.*X-Amz-Signature=/);
    expect(new Uint8Array(await (await fetch(read.recordingUrl)).arrayBuffer())).toEqual(RECORDING);
  });

  it("makes the owner's cached agent list fresh, so it shows the new stats", async () => {
    const { user, sessionId, callSid } = await placedCall(50);
    await world.call("/ai-calling/agents", { token: user.token });
    world.exotel.settle(callSid, { status: "completed", durationSec: 20 });

    await world.exotel.sendStatusCallback(callSid, { eventType: "terminal" });
    const list = await world.call("/ai-calling/agents", { token: user.token });
    const [agent] = ((await list.json()) as { data: { stats?: { totalCalls: number } }[] }).data;

    expect((await callLogOf(sessionId)).costBreakdown).toBeDefined();
    expect(list.headers.get("x-cache")).toBe("miss");
    expect(agent.stats?.totalCalls).toBe(1);
  });

  it("is settled once, however often Exotel delivers the terminal callback", async () => {
    const { user, phone, sessionId, callSid } = await placedCall(50);
    world.exotel.settle(callSid, { status: "completed", durationSec: 60, price: 0.01 });

    const deliveries = await Promise.all([1, 2, 3].map(() => world.exotel.sendStatusCallback(callSid, { eventType: "terminal" })));
    const log = await callLogOf(sessionId);

    expect(deliveries.map((delivery) => delivery.status)).toEqual([200, 200, 200]);
    expect(await creditsOf(user)).toBeCloseTo(50 - log.costBreakdown!.total, 6);
    expect((await openRepository(agents).get(phone.agentId)).stats).toMatchObject({ totalCalls: 1, totalDuration: 60 });
  });

  it("never goes back to in-progress when the answered callback arrives after the terminal one", async () => {
    const { sessionId, callSid } = await placedCall();
    world.exotel.settle(callSid, { status: "completed", durationSec: 42 });

    await world.exotel.sendStatusCallback(callSid, { eventType: "terminal" });
    const late = await world.exotel.sendStatusCallback(callSid, { eventType: "answered" });

    expect(late.status).toBe(200);
    expect(JSON.parse(late.body)).toMatchObject({ advanced: false });
    expect(await callLogOf(sessionId)).toMatchObject({ status: "completed", durationSec: 42 });
  });

  it("keeps credits at zero when the call cost more than was left", async () => {
    const { user, sessionId, callSid } = await placedCall(1);
    world.exotel.settle(callSid, { status: "completed", durationSec: 7200, price: 5 });

    await world.exotel.sendStatusCallback(callSid, { eventType: "terminal" });

    expect((await callLogOf(sessionId)).costBreakdown!.total).toBeGreaterThan(5);
    expect(await creditsOf(user)).toBe(0);
  });
});

describe("calls that did not connect", () => {
  it("settles a form-encoded no-answer callback without RecordingUrl at no cost", async () => {
    const { user, phone, sessionId, callSid } = await placedCall(20, { talk: false });
    world.exotel.settle(callSid, { status: "no-answer", durationSec: 0 });

    const response = await world.exotel.sendStatusCallback(callSid, { eventType: null, encoding: "form" });
    const log = await callLogOf(sessionId);

    expect(response.status).toBe(200);
    expect(log).toMatchObject({ status: "no-answer", durationSec: 0, costBreakdown: { total: 0 } });
    expect(log.recordingUrl).toBeUndefined();
    expect(await creditsOf(user)).toBe(20);
    expect((await openRepository(agents).get(phone.agentId)).stats).toMatchObject({ totalCalls: 1, successRate: 0 });
  });

  it("reads the literal string null as no recording on a busy call", async () => {
    const { sessionId, callSid } = await placedCall();
    world.exotel.settle(callSid, { status: "busy" });

    await world.exotel.sendStatusCallback(callSid, { eventType: null, encoding: "form", overrides: { RecordingUrl: "null" } });

    expect(await callLogOf(sessionId)).toMatchObject({ status: "busy" });
    expect((await callLogOf(sessionId)).recordingUrl).toBeUndefined();
  });
});

describe("confirmation before money moves", () => {
  it("moves no money while Exotel's details disagree, and the reconcile cron settles once they agree", async () => {
    const { user, sessionId, callSid } = await placedCall(50);

    await world.exotel.sendStatusCallback(callSid, { eventType: "terminal", overrides: { Status: "completed", ConversationDuration: 600 } });
    const unconfirmed = await callLogOf(sessionId);
    const creditsBefore = await creditsOf(user);
    world.exotel.settle(callSid, { status: "completed", durationSec: 30 });
    await reconcileCalls(new Date(Date.now() + 120_000));
    const confirmed = await callLogOf(sessionId);

    expect(unconfirmed.status).toBe("completed");
    expect(unconfirmed.costBreakdown).toBeUndefined();
    expect(creditsBefore).toBe(49);
    expect(confirmed.durationSec).toBe(30);
    expect(await creditsOf(user)).toBeCloseTo(50 - confirmed.costBreakdown!.total, 6);
  });

  it("answers the callback 200 when the call-details API fails, and settles on the next reconciliation", async () => {
    const { user, sessionId, callSid } = await placedCall(50);
    world.exotel.settle(callSid, { status: "completed", durationSec: 90 });
    world.exotel.failNext("details", { status: 500 });

    const response = await world.exotel.sendStatusCallback(callSid, { eventType: "terminal" });
    const pending = await callLogOf(sessionId);
    await reconcileCalls(new Date(Date.now() + 120_000));

    expect(response.status).toBe(200);
    expect(pending.costBreakdown).toBeUndefined();
    expect((await callLogOf(sessionId)).costBreakdown).toBeDefined();
    expect(await creditsOf(user)).toBeLessThan(50);
  });
});

describe("callbacks that are not to be trusted", () => {
  it("refuses a callback with a wrong or missing token with 403 and changes nothing", async () => {
    const { sessionId, callSid } = await placedCall();
    const genuine = new URL(world.exotel.connectRequests().find((form) => form.CustomField === sessionId)!.StatusCallback);
    const forged = new URL(genuine);
    forged.searchParams.set("token", "A".repeat(43));
    const tokenless = new URL(genuine);
    tokenless.searchParams.delete("token");

    const answers = [
      await world.exotel.postStatusCallback(forged.href, { CallSid: callSid, Status: "completed", EventType: "terminal" }),
      await world.exotel.postStatusCallback(tokenless.href, { CallSid: callSid, Status: "completed", EventType: "terminal" }),
    ];

    expect(answers.map((answer) => answer.status)).toEqual([403, 403]);
    expect(JSON.parse(answers[0].body).error.code).toBe("FORBIDDEN");
    expect((await callLogOf(sessionId)).status).toBe("initiated");
    expect((await sessionOf(sessionId))!.status).toBe("active");
  });

  it("refuses a genuine URL carrying another call's CallSid", async () => {
    const { sessionId } = await placedCall();

    const answer = await world.exotel.postStatusCallback(statusCallbackUrl(sessionId), { CallSid: "f".repeat(32), Status: "completed" }, "form");

    expect(answer.status).toBe(403);
    expect((await callLogOf(sessionId)).status).toBe("initiated");
  });

  it("answers 404 for a callback about a call we never placed", async () => {
    const answer = await world.exotel.postStatusCallback(statusCallbackUrl("sess_unknown000000000000"), { CallSid: "a".repeat(32), Status: "completed" });

    expect(answer.status).toBe(404);
    expect(await openRepository(callLogs).collection.countDocuments({ sessionId: "sess_unknown000000000000" })).toBe(0);
  });

  it("answers 400 in the API.md shape for a callback without CallSid", async () => {
    const { sessionId } = await placedCall();

    const response = await fetch(statusCallbackUrl(sessionId), { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "Status=completed" });

    expect(response.status).toBe(400);
    expect((await readError(response)).details?.[0].path).toBe("CallSid");
  });
});
