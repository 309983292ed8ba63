/**
 * Call sessions over HTTP, as the voice runtime uses them: a call placed by `POST /ai-calling/calls`
 * opens one; turns are appended (`POST …/messages`, 201) atomically, moving `lastActivityAt` and
 * rewriting the Redis copy `session:{sessionId}` (an hour at most); reads come from that copy
 * (`x-session-source: redis`) or, without one, from MongoDB, which re-caches it. The owner rule
 * holds on both paths, turns are validated, an ended session takes none, and the transcript reads
 * `User:`/`Agent:` lines in the order spoken.
 */
import { describe, expect, it } from "vitest";
import { MAX_TURN_CHARACTERS, transcriptOf } from "#core/ai-calling/conversations.ts";
import { SESSION_CACHE_TTL_SECONDS, sessionCacheKey } from "#core/ai-calling/session-cache.ts";
import { redis } from "#core/cache/redis.ts";
import { sessionOf, useCallWorld, type CallUser, type Json } from "#test/fixtures/ai-calling/call-harness.ts";
import { readError } from "#test/fixtures/http/server.ts";

const world = useCallWorld();

/** Exotel reports the call completed (terminal StatusCallback), confirmed by its call details. */
async function endCall(callSid: string): Promise<void> {
  world.exotel.settle(callSid, { status: "completed", durationSec: 40 });
  const { status } = await world.exotel.sendStatusCallback(callSid);
  expect(status).toBe(200);
}

const appendTurn = (user: CallUser, sessionId: string, turn: unknown) =>
  world.call(`/ai-calling/sessions/${sessionId}/messages`, { token: user.token, json: turn });
const getSession = (user: CallUser, sessionId: string) => world.call(`/ai-calling/sessions/${sessionId}`, { token: user.token });
const cachedCopy = (sessionId: string) => redis().get<Json>(sessionCacheKey(sessionId));

describe("appending a turn", () => {
  it("answers 201 with the session, its history one turn longer", async () => {
    const user = await world.newUser();
    const { sessionId } = await world.placeCall(user);
    await appendTurn(user, sessionId, { role: "assistant", content: "Hello! How can I help?" });

    const response = await appendTurn(user, sessionId, { role: "user", content: "Where is my parcel?" });

    expect(response.status).toBe(201);
    const session = (await response.json()) as Json;
    expect(session).toMatchObject({ sessionId, status: "active" });
    expect(session.conversationHistory.map((turn: Json) => [turn.role, turn.content])).toEqual([
      ["assistant", "Hello! How can I help?"],
      ["user", "Where is my parcel?"],
    ]);
    expect((await sessionOf(sessionId)).conversationHistory).toHaveLength(2);
  });

  it("moves lastActivityAt, and keeps the timestamp the runtime gave", async () => {
    const user = await world.newUser();
    const { sessionId } = await world.placeCall(user);
    const before = await sessionOf(sessionId);
    const spokenAt = "2026-06-02T10:15:00.000Z";
    // A clock tick, so that "later" can be told apart from "the same millisecond".
    await new Promise((resolve) => setTimeout(resolve, 5));

    const response = await appendTurn(user, sessionId, { role: "user", content: "Hi", timestamp: spokenAt });

    const after = await sessionOf(sessionId);
    expect(after.lastActivityAt.getTime()).toBeGreaterThan(before.lastActivityAt.getTime());
    expect(((await response.json()) as Json).lastActivityAt).toBe(after.lastActivityAt.toISOString());
    expect(after.conversationHistory[0].timestamp).toEqual(new Date(spokenAt));
  });

  it("rewrites the Redis copy with the new turn, for an hour at most", async () => {
    const user = await world.newUser();
    const { sessionId } = await world.placeCall(user);

    await appendTurn(user, sessionId, { role: "user", content: "Can I change the delivery address?" });

    const copy = await cachedCopy(sessionId);
    expect(copy?.conversationHistory).toEqual([expect.objectContaining({ role: "user", content: "Can I change the delivery address?" })]);
    const ttl = await redis().ttl(sessionCacheKey(sessionId));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(SESSION_CACHE_TTL_SECONDS);
  });

  it.each([
    ["a role outside the enum", { role: "robot", content: "Beep" }, "role"],
    ["empty content", { role: "user", content: "" }, "content"],
    [`content over ${MAX_TURN_CHARACTERS} characters`, { role: "user", content: "x".repeat(MAX_TURN_CHARACTERS + 1) }, "content"],
    ["an unknown field", { role: "user", content: "Hi", sentiment: "happy" }, "sentiment"],
    ["a timestamp without a zone", { role: "user", content: "Hi", timestamp: "2026-06-02 16:42:56" }, "timestamp"],
  ])("refuses %s with 400 naming the field, and adds nothing", async (_, turn, path) => {
    const user = await world.newUser();
    const { sessionId } = await world.placeCall(user);

    const response = await appendTurn(user, sessionId, turn);

    expect(response.status).toBe(400);
    const error = await readError(response);
    expect(error.code).toBe("VALIDATION_FAILED");
    expect(error.details?.map((detail) => detail.path)).toEqual([path]);
    expect((await sessionOf(sessionId)).conversationHistory).toEqual([]);
  });

  it("answers 409 once the call has ended, and adds nothing", async () => {
    const user = await world.newUser();
    const { sessionId, callSid } = await world.placeCall(user);
    await appendTurn(user, sessionId, { role: "user", content: "Thanks, bye" });
    await endCall(callSid);

    const response = await appendTurn(user, sessionId, { role: "assistant", content: "Goodbye!" });

    expect(response.status).toBe(409);
    const error = await readError(response);
    expect(error.code).toBe("CONFLICT");
    expect(error.details?.[0].path).toBe("status");
    expect((await sessionOf(sessionId)).conversationHistory.map((turn) => turn.content)).toEqual(["Thanks, bye"]);
  });

  it("answers 404 for a session that does not exist", async () => {
    const user = await world.newUser();

    const response = await appendTurn(user, "sess_doesnotexist0000", { role: "user", content: "Hi" });

    expect(response.status).toBe(404);
    expect((await readError(response)).code).toBe("NOT_FOUND");
  });
});

describe("reading a session", () => {
  it("answers from the Redis copy while there is one", async () => {
    const user = await world.newUser();
    const { sessionId } = await world.placeCall(user);
    await appendTurn(user, sessionId, { role: "user", content: "Hello" });

    const response = await getSession(user, sessionId);

    expect(response.status).toBe(200);
    expect(response.headers.get("x-session-source")).toBe("redis");
    expect(await response.json()).toEqual(await cachedCopy(sessionId));
  });

  it("answers from MongoDB when the copy is gone, and caches the session again", async () => {
    const user = await world.newUser();
    const { sessionId } = await world.placeCall(user);
    await appendTurn(user, sessionId, { role: "user", content: "Hello" });
    const fromRedis = (await (await getSession(user, sessionId)).json()) as Json;
    await redis().del(sessionCacheKey(sessionId));

    const response = await getSession(user, sessionId);

    expect(response.status).toBe(200);
    expect(response.headers.get("x-session-source")).toBe("mongodb");
    expect(await response.json()).toEqual(fromRedis);
    expect(await cachedCopy(sessionId)).toEqual(fromRedis);
    expect((await getSession(user, sessionId)).headers.get("x-session-source")).toBe("redis");
  });

  it("answers 404 for a session that does not exist", async () => {
    const user = await world.newUser();

    const response = await getSession(user, "sess_doesnotexist0000");

    expect(response.status).toBe(404);
    expect((await readError(response)).code).toBe("NOT_FOUND");
  });
});

describe("another user's session", () => {
  it("is not found for reads, whether it is cached in Redis or not", async () => {
    const [owner, other] = [await world.newUser(), await world.newUser()];
    const { sessionId } = await world.placeCall(owner);
    expect(await cachedCopy(sessionId)).toMatchObject({ sessionId });

    const fromCache = await getSession(other, sessionId);
    await redis().del(sessionCacheKey(sessionId));
    const fromMongo = await getSession(other, sessionId);

    expect([fromCache.status, fromMongo.status]).toEqual([404, 404]);
    expect((await readError(fromCache)).code).toBe("NOT_FOUND");
    expect((await readError(fromMongo)).code).toBe("NOT_FOUND");
    // The refused read did not re-cache the owner's session for the other user either.
    expect(await cachedCopy(sessionId)).toBeNull();
  });

  it("is not found for appends, even while cached in Redis, and takes no turn", async () => {
    const [owner, other] = [await world.newUser(), await world.newUser()];
    const { sessionId } = await world.placeCall(owner);
    expect(await cachedCopy(sessionId)).toMatchObject({ sessionId });

    const response = await appendTurn(other, sessionId, { role: "user", content: "Let me in" });

    expect(response.status).toBe(404);
    expect((await readError(response)).code).toBe("NOT_FOUND");
    expect((await sessionOf(sessionId)).conversationHistory).toEqual([]);
    expect((await cachedCopy(sessionId))?.conversationHistory).toEqual([]);
  });
});

describe("listing sessions", () => {
  it("lists only the caller's sessions, filtered by status", async () => {
    const [user, other] = [await world.newUser(), await world.newUser()];
    const live = await world.placeCall(user);
    const ended = await world.placeCall(user);
    await world.placeCall(other);
    await endCall(ended.callSid);

    const list = async (query: string) => {
      const response = await world.call(`/ai-calling/sessions${query}`, { token: user.token });
      expect(response.status).toBe(200);
      return ((await response.json()) as { data: Json[] }).data.map((session) => [session.sessionId, session.status]);
    };

    expect(await list("?status=active")).toEqual([[live.sessionId, "active"]]);
    expect(await list("?status=ended")).toEqual([[ended.sessionId, "ended"]]);
    expect((await list("")).map(([sessionId]) => sessionId).sort()).toEqual([live.sessionId, ended.sessionId].sort());
  });

  it("refuses a status outside the enum with 400", async () => {
    const user = await world.newUser();

    const response = await world.call("/ai-calling/sessions?status=paused", { token: user.token });

    expect(response.status).toBe(400);
    expect((await readError(response)).details?.map((detail) => detail.path)).toEqual(["status"]);
  });
});

describe("the transcript", () => {
  it("reads one User:/Agent: line per turn, in the order spoken whatever the order appended", async () => {
    const user = await world.newUser();
    const { sessionId } = await world.placeCall(user);
    const turns = [
      { role: "user", content: "I need help with my order", timestamp: "2026-06-02T10:30:10.000Z" },
      { role: "assistant", content: "Hello! How can I help you today?", timestamp: "2026-06-02T10:30:02.000Z" },
      { role: "assistant", content: "Can you give me the order number?", timestamp: "2026-06-02T10:30:13.000Z" },
    ];
    for (const turn of turns) expect((await appendTurn(user, sessionId, turn)).status).toBe(201);

    const transcript = transcriptOf((await sessionOf(sessionId)).conversationHistory);

    expect(transcript).toBe([
      "Agent: Hello! How can I help you today?",
      "User: I need help with my order",
      "Agent: Can you give me the order number?",
    ].join("\n"));
  });

  it("is written to the call log when the call ends", async () => {
    const user = await world.newUser();
    const { sessionId, callSid, callLogId } = await world.placeCall(user);
    await appendTurn(user, sessionId, { role: "assistant", content: "Hi! How can I help?", timestamp: "2026-06-02T10:30:02.000Z" });
    await appendTurn(user, sessionId, { role: "user", content: "Just checking in", timestamp: "2026-06-02T10:30:05.000Z" });

    await endCall(callSid);

    const response = await world.call(`/ai-calling/call-logs/${callLogId}`, { token: user.token });
    expect(((await response.json()) as Json).transcript).toBe("Agent: Hi! How can I help?\nUser: Just checking in");
  });
});
