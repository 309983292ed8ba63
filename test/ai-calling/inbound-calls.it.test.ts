/**
 * Inbound calls by Exotel's Passthru (`GET /ai-calling/webhooks/exotel/passthru`) over HTTP, with
 * the query shapes of PROVIDERS.md §7.5 (CallTo set to one of the account's numbers, written as
 * Exotel writes it: 0 and the ten national digits). 200 connects the call to its agent and 302
 * declines it (§2.3, empty bodies); a connected call has an inbound call log, a session with the
 * effective agent config and its Redis copy, and a credit held. Retries and our own outbound
 * call's second leg create nothing; a Passthru after the voice bot ends and settles the call once
 * Exotel's call details confirm it; a wrong account token is a 403.
 */
import { randomBytes } from "node:crypto";
import type { ObjectId } from "mongodb";
import { describe, expect, it } from "vitest";
import { effectiveAgentConfig } from "#core/ai-calling/agent-configs.ts";
import { agents, type AgentConfig } from "#core/ai-calling/agents.ts";
import { passthruUrl } from "#core/ai-calling/callback-tokens.ts";
import { callLogs, type CallLog } from "#core/ai-calling/call-logs.ts";
import { CALL_CREDIT_HOLD } from "#core/ai-calling/pricing.ts";
import { sessionCacheKey } from "#core/ai-calling/session-cache.ts";
import { sessions, type Session } from "#core/ai-calling/sessions.ts";
import { redis } from "#core/cache/redis.ts";
import { openRepository } from "#core/db/repository.ts";
import { AGENT_CONFIG, creditsOf, newNumber, sessionOf, useCallWorld, type CallUser } from "#test/fixtures/ai-calling/call-harness.ts";
import { PASSTHRU_GATHER_QUERY, PASSTHRU_VOICEBOT_QUERY } from "#test/fixtures/exotel/payloads.ts";
import { readError } from "#test/fixtures/http/server.ts";

const world = useCallWorld();

const OVERRIDE = { firstMessage: "Thanks for calling Acme!", llm: { temperature: 0.2 } };
/** The Gather example's caller, `09901320691`, in E.164. */
const GATHER_CALLER = "+919901320691";

/** An E.164 Indian number as Exotel writes it in Passthru: `0` and the ten national digits. */
const exotelNational = (e164: string) => `0${e164.slice(3)}`;
const newCallSid = () => randomBytes(16).toString("hex");

/** A fixture query with its CallSid and called number replaced (and `fields` set, undefined removes). */
function passthruQuery(fixture: string, { callSid, to, ...fields }: { callSid: string; to: string } & Record<string, string | undefined>): string {
  const query = new URLSearchParams(fixture);
  query.set("CallSid", callSid);
  query.set("CallTo", exotelNational(to));
  query.set("To", exotelNational(to));
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined) query.delete(name);
    else query.set(name, value);
  }
  return query.toString();
}

/** Sends a Passthru to `user`'s own Passthru URL (or with the account and token given). */
function passthru(user: CallUser, query: string, secret?: { account?: string; token?: string }) {
  const own = new URL(passthruUrl(user.id.toHexString()));
  const credentials = secret ? new URLSearchParams(Object.entries(secret).filter(([, value]) => value !== undefined) as [string, string][]) : own.searchParams;
  // Exotel reads only the status: a 302 is an answer here, not a redirect to follow.
  return world.call(`${own.pathname}?${credentials}&${query}`, { redirect: "manual" });
}

const callLogsOf = (user: CallUser) => openRepository(callLogs).collection.find({ userId: user.id }).toArray() as Promise<CallLog[]>;
const sessionsOf = (user: CallUser) => openRepository(sessions).collection.find({ userId: user.id }).toArray() as Promise<Session[]>;
const callLogOfSid = async (callSid: string) => (await openRepository(callLogs).collection.findOne({ exotelCallSid: callSid })) as CallLog;
const statsOf = async (agentId: string | ObjectId) => (await openRepository(agents).get(String(agentId))).stats;

describe("a Passthru for one of the account's numbers", () => {
  it("connects the call (200, empty body) with an inbound call log in E.164, in progress", async () => {
    const user = await world.newUser({ credits: 20 });
    const phone = await world.newPhone(user);
    const callSid = newCallSid();

    const response = await passthru(user, passthruQuery(PASSTHRU_GATHER_QUERY, { callSid, to: phone.number }));

    expect(response.status).toBe(200);
    expect(await response.text()).toBe("");
    const logs = await callLogsOf(user);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatchObject({
      direction: "inbound", status: "in-progress", exotelCallSid: callSid,
      fromPhone: GATHER_CALLER, toPhone: phone.number,
      // The example's StartTime, 2026-06-02 16:42:56 India time.
      startedAt: new Date("2026-06-02T11:12:56.000Z"),
    });
    expect(logs[0].agentId.toHexString()).toBe(phone.agentId);
    expect(logs[0].sessionId).toMatch(/^sess_[\w-]{16,}$/);
    expect(logs[0].costBreakdown).toBeUndefined();
  });

  it("opens a session with the agent's config and the phone's override, cached in Redis, and holds a credit", async () => {
    const user = await world.newUser({ credits: 20 });
    const phone = await world.newPhone(user, { override: OVERRIDE });
    const callSid = newCallSid();

    await passthru(user, passthruQuery(PASSTHRU_GATHER_QUERY, { callSid, to: phone.number }));

    const log = await callLogOfSid(callSid);
    const session = await sessionOf(log.sessionId);
    expect(session).toMatchObject({
      status: "active", callLogId: log._id, exotelCallSid: callSid, userPhone: GATHER_CALLER, agentPhone: phone.number, conversationHistory: [],
    });
    expect(session.agentConfig).toEqual(effectiveAgentConfig(structuredClone(AGENT_CONFIG) as AgentConfig, OVERRIDE));
    expect(session.agentConfig).toMatchObject({ firstMessage: OVERRIDE.firstMessage, llm: { model: "gpt-4", temperature: 0.2, maxTokens: 300 } });
    const copy = await redis().get<Record<string, any>>(sessionCacheKey(log.sessionId));
    expect(copy).toMatchObject({ sessionId: log.sessionId, userId: user.id.toHexString(), status: "active", agentConfig: { firstMessage: OVERRIDE.firstMessage } });
    expect(await creditsOf(user)).toBe(20 - CALL_CREDIT_HOLD);
  });

  it("connects the Voicebot example's shape too, and gives each call its own sessionId", async () => {
    const user = await world.newUser({ credits: 20 });
    const phone = await world.newPhone(user);
    const [first, second] = [newCallSid(), newCallSid()];

    // Before the bot has run, the flow reports an attempt and no stream.
    const live = { CallType: "call-attempt", "Stream[StreamSID]": undefined, "Stream[Status]": undefined, "Stream[Duration]": undefined, "Stream[StreamUrl]": undefined, "Stream[RecordingUrl]": undefined, "Stream[DisconnectedBy]": undefined };
    const answers = [
      await passthru(user, passthruQuery(PASSTHRU_VOICEBOT_QUERY, { callSid: first, to: phone.number, ...live })),
      await passthru(user, passthruQuery(PASSTHRU_GATHER_QUERY, { callSid: second, to: phone.number })),
    ];

    expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
    const [a, b] = [await callLogOfSid(first), await callLogOfSid(second)];
    expect(a).toMatchObject({ direction: "inbound", status: "in-progress", fromPhone: "+919812345678", toPhone: phone.number });
    expect(a.sessionId).not.toBe(b.sessionId);
    expect((await sessionsOf(user)).map((session) => session.sessionId).sort()).toEqual([a.sessionId, b.sessionId].sort());
  });

  it("creates nothing new when the same CallSid comes again, and still answers 200", async () => {
    const user = await world.newUser({ credits: 20 });
    const phone = await world.newPhone(user);
    const query = passthruQuery(PASSTHRU_GATHER_QUERY, { callSid: newCallSid(), to: phone.number });
    await passthru(user, query);
    const [logsBefore, sessionsBefore] = [await callLogsOf(user), await sessionsOf(user)];

    const again = await passthru(user, query);

    expect(again.status).toBe(200);
    expect(await callLogsOf(user)).toEqual(logsBefore);
    expect(await sessionsOf(user)).toEqual(sessionsBefore);
    expect(await creditsOf(user)).toBe(20 - CALL_CREDIT_HOLD);
  });

  it("creates one call when the same Passthru arrives several times at once", async () => {
    const user = await world.newUser({ credits: 20 });
    const phone = await world.newPhone(user);
    const query = passthruQuery(PASSTHRU_GATHER_QUERY, { callSid: newCallSid(), to: phone.number });

    const answers = await Promise.all([1, 2, 3].map(() => passthru(user, query)));

    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
    expect(await callLogsOf(user)).toHaveLength(1);
    expect(await sessionsOf(user)).toHaveLength(1);
    expect(await creditsOf(user)).toBe(20 - CALL_CREDIT_HOLD);
  });

  it("creates nothing for the second leg of our own outbound call (CustomField = its sessionId)", async () => {
    const user = await world.newUser({ credits: 20 });
    const phone = await world.newPhone(user);
    const { sessionId } = await world.placeCall(user, phone);
    const [logsBefore, sessionsBefore, creditsBefore] = [await callLogsOf(user), await sessionsOf(user), await creditsOf(user)];

    const response = await passthru(user, passthruQuery(PASSTHRU_GATHER_QUERY, { callSid: newCallSid(), to: phone.number, CustomField: sessionId }));

    expect(response.status).toBe(200);
    expect(await callLogsOf(user)).toEqual(logsBefore);
    expect(await sessionsOf(user)).toEqual(sessionsBefore);
    expect(await creditsOf(user)).toBe(creditsBefore);
  });
});

describe("a Passthru the account cannot take", () => {
  const cases: [string, (user: CallUser) => Promise<string>][] = [
    ["a number the account does not have", async () => newNumber()],
    ["another account's number", async () => (await world.newPhone(await world.newUser())).number],
    ["an inactive phone", async (user) => (await world.newPhone(user, { status: "inactive" })).number],
    ["a phone without an agent", async (user) => (await world.newPhone(user, { agent: false })).number],
  ];

  it.each(cases)("declines %s with 302 and creates nothing", async (_, numberFor) => {
    const user = await world.newUser({ credits: 20 });
    const to = await numberFor(user);

    const response = await passthru(user, passthruQuery(PASSTHRU_GATHER_QUERY, { callSid: newCallSid(), to }));

    expect(response.status).toBe(302);
    expect(await response.text()).toBe("");
    expect(await callLogsOf(user)).toEqual([]);
    expect(await sessionsOf(user)).toEqual([]);
    expect(await creditsOf(user)).toBe(20);
  });

  it("declines with 302 when the account has less than a call's hold, leaving its credits as they were", async () => {
    const user = await world.newUser({ credits: CALL_CREDIT_HOLD / 2 });
    const phone = await world.newPhone(user);

    const response = await passthru(user, passthruQuery(PASSTHRU_GATHER_QUERY, { callSid: newCallSid(), to: phone.number }));

    expect(response.status).toBe(302);
    expect(await callLogsOf(user)).toEqual([]);
    expect(await sessionsOf(user)).toEqual([]);
    expect(await creditsOf(user)).toBe(CALL_CREDIT_HOLD / 2);
  });
});

describe("a Passthru without the account's own token", () => {
  it.each([
    ["a wrong token", (user: CallUser) => ({ account: user.id.toHexString(), token: "tk_9Qm2xV7rLp4sZ8" })],
    ["no token", (user: CallUser) => ({ account: user.id.toHexString() })],
    ["no account", (user: CallUser) => ({ token: new URL(passthruUrl(user.id.toHexString())).searchParams.get("token")! })],
  ])("is refused with 403 FORBIDDEN for %s, and creates nothing", async (_, secretOf) => {
    const user = await world.newUser({ credits: 20 });
    const phone = await world.newPhone(user);

    const response = await passthru(user, passthruQuery(PASSTHRU_GATHER_QUERY, { callSid: newCallSid(), to: phone.number }), secretOf(user));

    expect(response.status).toBe(403);
    expect((await readError(response)).code).toBe("FORBIDDEN");
    expect(await callLogsOf(user)).toEqual([]);
  });

  it("is refused with 403 when the token is another account's", async () => {
    const [owner, other] = [await world.newUser({ credits: 20 }), await world.newUser({ credits: 20 })];
    const phone = await world.newPhone(owner);
    const othersToken = new URL(passthruUrl(other.id.toHexString())).searchParams.get("token")!;

    const response = await passthru(owner, passthruQuery(PASSTHRU_GATHER_QUERY, { callSid: newCallSid(), to: phone.number }), { account: owner.id.toHexString(), token: othersToken });

    expect(response.status).toBe(403);
    expect((await readError(response)).code).toBe("FORBIDDEN");
    expect(await callLogsOf(owner)).toEqual([]);
    expect(await creditsOf(owner)).toBe(20);
  });
});

describe("a Passthru after the voice bot", () => {
  const STREAM_KEYS = ["Stream[StreamSID]", "Stream[Status]", "Stream[Duration]", "Stream[StreamUrl]", "Stream[RecordingUrl]", "Stream[DisconnectedBy]"];
  const withoutStream = Object.fromEntries(STREAM_KEYS.map((key) => [key, undefined]));
  /** The Voicebot example as each way of saying "over" (§7.5 b): brackets encoded as sent, or not. */
  const endings: [string, (query: string) => string][] = [
    ["CallType=completed", (query) => query],
    ["Stream[Status]=completed, brackets percent-encoded", (query) => query],
    ["Stream[Status]=completed, brackets as they are", (query) => query.replaceAll("%5B", "[").replaceAll("%5D", "]")],
  ];
  const fieldsOf = (how: string) => (how === "CallType=completed" ? withoutStream : { CallType: "call-attempt" });

  /** A connected inbound call, one turn spoken, that Exotel's call details show completed. */
  async function connectedCall() {
    const user = await world.newUser({ credits: 20 });
    const phone = await world.newPhone(user);
    const callSid = newCallSid();
    await passthru(user, passthruQuery(PASSTHRU_GATHER_QUERY, { callSid, to: phone.number }));
    const { sessionId } = await callLogOfSid(callSid);
    const turn = await world.call(`/ai-calling/sessions/${sessionId}/messages`, { token: user.token, json: { role: "assistant", content: "Hello! How can I help?" } });
    expect(turn.status).toBe(201);
    world.exotel.registerInboundCall({ callSid, from: "09901320691", to: exotelNational(phone.number), accountSid: user.account.sid });
    world.exotel.settle(callSid, { status: "completed", durationSec: 95, price: 0.021 });
    return { user, phone, callSid, sessionId };
  }

  it.each(endings)("ends and settles the call on %s, from Exotel's confirmed details", async (how, encode) => {
    const { user, phone, callSid, sessionId } = await connectedCall();

    const response = await passthru(user, encode(passthruQuery(PASSTHRU_VOICEBOT_QUERY, { callSid, to: phone.number, ...fieldsOf(how) })));

    expect(response.status).toBe(200);
    const log = await callLogOfSid(callSid);
    expect(log).toMatchObject({ status: "completed", durationSec: 95, transcript: "Agent: Hello! How can I help?" });
    expect(log.costBreakdown).toMatchObject({ telephony: 0.021, total: expect.any(Number) });
    expect(log.costBreakdown!.total).toBeGreaterThan(0.021);
    expect((await sessionOf(sessionId)).status).toBe("ended");
    expect(await redis().get(sessionCacheKey(sessionId))).toMatchObject({ status: "ended" });
    expect(await creditsOf(user)).toBeCloseTo(20 - log.costBreakdown!.total, 9);
    expect(await statsOf(phone.agentId)).toEqual({ totalCalls: 1, totalDuration: 95, avgDuration: 95, successRate: 1 });
  });

  it("changes nothing more when that Passthru comes again", async () => {
    const { user, phone, callSid, sessionId } = await connectedCall();
    const query = passthruQuery(PASSTHRU_VOICEBOT_QUERY, { callSid, to: phone.number });
    await passthru(user, query);
    const [log, session, credits, stats] = [await callLogOfSid(callSid), await sessionOf(sessionId), await creditsOf(user), await statsOf(phone.agentId)];

    const again = await passthru(user, query);

    expect(again.status).toBe(200);
    expect(await callLogOfSid(callSid)).toEqual(log);
    expect(await sessionOf(sessionId)).toEqual(session);
    expect(await creditsOf(user)).toBe(credits);
    expect(await statsOf(phone.agentId)).toEqual(stats);
    expect(await callLogsOf(user)).toHaveLength(1);
  });
});

describe("the Passthru URL a user puts in their Exotel flow", () => {
  it("is given by GET /ai-calling/users/me/exotel-config, without the key or token, and connects calls to their numbers", async () => {
    const user = await world.newUser({ credits: 5 });
    const phone = await world.newPhone(user);

    const response = await world.call("/ai-calling/users/me/exotel-config", { token: user.token });
    const setup = (await response.json()) as { configured: boolean; sid: string; passthruUrl: string };
    const url = new URL(setup.passthruUrl);
    const connected = await world.call(`${url.pathname}${url.search}&${passthruQuery(PASSTHRU_GATHER_QUERY, { callSid: newCallSid(), to: phone.number })}`, { redirect: "manual" });

    expect(response.status).toBe(200);
    expect(setup).toMatchObject({ configured: true, sid: user.account.sid });
    expect(JSON.stringify(setup)).not.toContain(user.account.apiToken);
    expect(JSON.stringify(setup)).not.toContain(user.account.apiKey);
    expect(`${url.origin}${url.pathname}`).toBe(`${world.server.url}/ai-calling/webhooks/exotel/passthru`);
    expect(connected.status).toBe(200);
    expect(await callLogsOf(user)).toHaveLength(1);
  });
});
