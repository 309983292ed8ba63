/**
 * `POST /ai-calling/calls` over real HTTP against the fake Exotel: what is created (call log
 * `initiated` with a unique sessionId, session with the agent config snapshot, its Redis copy),
 * what Exotel is asked (the user's own credentials, our secret callback URL), credits held in
 * the same transaction (refused without credits, never spent twice by concurrent calls), the
 * documented rate-limit key, and what a refusal by Exotel leaves behind (nothing charged).
 */
import { describe, expect, it } from "vitest";
import { callLogs } from "#core/ai-calling/call-logs.ts";
import { sessionCacheKey } from "#core/ai-calling/session-cache.ts";
import { sessions } from "#core/ai-calling/sessions.ts";
import { redis } from "#core/cache/redis.ts";
import { openRepository } from "#core/db/repository.ts";
import { creditsOf, useCallWorld, newNumber, type CallUser } from "#test/fixtures/ai-calling/call-harness.ts";
import { readError } from "#test/fixtures/http/server.ts";

const world = useCallWorld();

const logsOf = (user: CallUser) => openRepository(callLogs).collection.find({ userId: user.id }).toArray();
const place = (user: CallUser, json: unknown, headers: Record<string, string> = {}) => world.call("/ai-calling/calls", { token: user.token, json, headers });

describe("placing a call", () => {
  it("creates the call log and session, caches the session, holds a credit and asks Exotel with the user's account", async () => {
    const user = await world.newUser({ credits: 50 });
    const phone = await world.newPhone(user, { override: { firstMessage: "Thanks for picking up!", llm: { temperature: 0.2 } } });
    const to = newNumber();

    const response = await place(user, { phoneId: phone.phoneId, to, metadata: { orderId: "ORD-1" } });
    const body = (await response.json()) as Record<string, any>;

    expect(response.status).toBe(201);
    expect(body).toMatchObject({ direction: "outbound", status: "initiated", fromPhone: phone.number, toPhone: to, agentId: phone.agentId, metadata: { orderId: "ORD-1" } });
    expect(body.sessionId).toMatch(/^sess_[\w-]{16}$/);
    expect(body.exotelCallSid).toMatch(/^[0-9a-f]{32}$/);
    const session = await openRepository(sessions).collection.findOne({ sessionId: body.sessionId });
    expect(session).toMatchObject({ status: "active", userPhone: to, agentPhone: phone.number, exotelCallSid: body.exotelCallSid, conversationHistory: [] });
    expect(session!.callLogId.toHexString()).toBe(body._id);
    expect(session!.agentConfig).toMatchObject({ firstMessage: "Thanks for picking up!", llm: { model: "gpt-4", temperature: 0.2, maxTokens: 300 }, language: "en" });
    expect(await redis().get(sessionCacheKey(body.sessionId))).toMatchObject({ sessionId: body.sessionId, status: "active" });
    expect(await redis().ttl(sessionCacheKey(body.sessionId))).toBeGreaterThan(3500);
    expect(await creditsOf(user)).toBe(49);

    const [connect] = world.exotel.connectRequests().filter((form) => form.CustomField === body.sessionId);
    expect(connect).toMatchObject({ From: to, To: phone.number, CallerId: phone.number, Record: "true" });
    const callback = new URL(connect.StatusCallback);
    expect(`${callback.origin}${callback.pathname}`).toBe(`${world.server.url}/ai-calling/webhooks/exotel/status`);
    expect(callback.searchParams.get("sessionId")).toBe(body.sessionId);
    expect(callback.searchParams.get("token")).toMatch(/^[\w-]{43}$/);
    const request = world.exotel.requests.find((seen) => seen.form.CustomField === body.sessionId)!;
    expect(request.path).toBe(`/v1/Accounts/${user.account.sid}/Calls/connect.json`);
    expect(request.headers.authorization).toBe(`Basic ${Buffer.from(`${user.account.apiKey}:${user.account.apiToken}`).toString("base64")}`);
  });

  it("gives every call its own sessionId", async () => {
    const user = await world.newUser();
    const phone = await world.newPhone(user);

    const first = (await (await place(user, { phoneId: phone.phoneId, to: newNumber() })).json()) as { sessionId: string };
    const second = (await (await place(user, { phoneId: phone.phoneId, to: newNumber() })).json()) as { sessionId: string };

    expect(first.sessionId).not.toBe(second.sessionId);
  });

  it("replays the first answer for a repeated Idempotency-Key without calling Exotel again", async () => {
    const user = await world.newUser();
    const phone = await world.newPhone(user);
    const body = { phoneId: phone.phoneId, to: newNumber() };

    const first = await place(user, body, { "idempotency-key": "call-once" });
    const again = await place(user, body, { "idempotency-key": "call-once" });

    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(await again.json()).toEqual(await first.json());
    expect(await logsOf(user)).toHaveLength(1);
    expect(await creditsOf(user)).toBe(49);
  });
});

describe("credits", () => {
  it("refuses a call without credits: 403, nothing created, Exotel not asked", async () => {
    const user = await world.newUser({ credits: 0.5 });
    const phone = await world.newPhone(user);
    const asked = world.exotel.requests.length;

    const response = await place(user, { phoneId: phone.phoneId, to: newNumber() });

    expect(response.status).toBe(403);
    expect((await readError(response)).message).toMatch(/credits/);
    expect(await logsOf(user)).toEqual([]);
    expect(await openRepository(sessions).collection.countDocuments({ userId: user.id })).toBe(0);
    expect(world.exotel.requests.length).toBe(asked);
    expect(await creditsOf(user)).toBe(0.5);
  });

  it("lets only one of two concurrent calls spend the last credit", async () => {
    const user = await world.newUser({ credits: 1 });
    const phone = await world.newPhone(user);

    const answers = await Promise.all([place(user, { phoneId: phone.phoneId, to: newNumber() }), place(user, { phoneId: phone.phoneId, to: newNumber() })]);

    expect(answers.map((answer) => answer.status).sort()).toEqual([201, 403]);
    expect(await logsOf(user)).toHaveLength(1);
    expect(await creditsOf(user)).toBe(0);
  });
});

describe("the documented rate limit", () => {
  it("counts under ratelimit:calls:outbound:{userId} for 15 minutes and answers 429 once the limit is used", async () => {
    const user = await world.newUser();
    const phone = await world.newPhone(user);
    const key = `ratelimit:calls:outbound:${user.id.toHexString()}`;

    const first = await place(user, { phoneId: phone.phoneId, to: newNumber() });
    const counted = await redis().get(key);
    const ttl = await redis().ttl(key);
    await redis().set(key, Number(first.headers.get("ratelimit-limit")), { keepTtl: true });
    const refused = await place(user, { phoneId: phone.phoneId, to: newNumber() });

    expect(counted).toBe(1);
    expect(ttl).toBeGreaterThan(890);
    expect(ttl).toBeLessThanOrEqual(900);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(refused.headers.get("ratelimit-remaining")).toBe("0");
    expect(await logsOf(user)).toHaveLength(1);
  });
});

describe("refused before Exotel", () => {
  it("names the field when the phone is not the caller's, has no agent or is inactive, or the number is not E.164", async () => {
    const user = await world.newUser();
    const other = await world.newUser();
    const theirs = await world.newPhone(other);
    const agentless = await world.newPhone(user, { agent: false });
    const inactive = await world.newPhone(user, { status: "inactive" });
    const mine = await world.newPhone(user);

    const cases = [
      [{ phoneId: theirs.phoneId, to: newNumber() }, "phoneId"],
      [{ phoneId: agentless.phoneId, to: newNumber() }, "phoneId"],
      [{ phoneId: inactive.phoneId, to: newNumber() }, "phoneId"],
      [{ phoneId: mine.phoneId, to: "09123456789" }, "to"],
      [{ phoneId: mine.phoneId, to: mine.number }, "to"],
      [{ phoneId: "nope", to: newNumber() }, "phoneId"],
    ] as const;
    const paths = [];
    for (const [body] of cases) {
      const response = await place(user, body);
      expect(response.status).toBe(400);
      paths.push((await readError(response)).details?.[0].path);
    }

    expect(paths).toEqual(cases.map(([, path]) => path));
    expect(await logsOf(user)).toEqual([]);
    expect(await creditsOf(user)).toBe(50);
  });

  it("answers 409 naming exotelConfig when the user has no Exotel credentials", async () => {
    const user = await world.newUser({ exotel: false });
    const phone = await world.newPhone(user);

    const response = await place(user, { phoneId: phone.phoneId, to: newNumber() });

    expect(response.status).toBe(409);
    expect((await readError(response)).details?.[0].path).toBe("exotelConfig");
    expect(await creditsOf(user)).toBe(50);
  });
});

describe("when Exotel refuses or is down", () => {
  it("answers 503 with Retry-After, fails the call log, ends the session and gives the credit back", async () => {
    const user = await world.newUser({ credits: 10 });
    const phone = await world.newPhone(user);
    world.exotel.failNext("connect", { status: 500 });

    const response = await place(user, { phoneId: phone.phoneId, to: newNumber() });
    const [log] = await logsOf(user);

    expect(response.status).toBe(503);
    expect(Number(response.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(log).toMatchObject({ status: "failed", error: { code: "EXOTEL_UNAVAILABLE" }, costBreakdown: { total: 0 } });
    expect(await openRepository(sessions).collection.findOne({ sessionId: log.sessionId })).toMatchObject({ status: "ended" });
    expect(await creditsOf(user)).toBe(10);
  });

  it("answers 400 when Exotel refuses the credentials, with nothing charged", async () => {
    const user = await world.newUser({ credits: 10 });
    const phone = await world.newPhone(user);
    world.exotel.failNext("connect", { status: 401 });

    const response = await place(user, { phoneId: phone.phoneId, to: newNumber() });
    const [log] = await logsOf(user);

    expect(response.status).toBe(400);
    expect((await readError(response)).code).toBe("BAD_REQUEST");
    expect(log).toMatchObject({ status: "failed", error: { code: "EXOTEL_REFUSED" } });
    expect(await creditsOf(user)).toBe(10);
  });
});
