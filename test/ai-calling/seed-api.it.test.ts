/**
 * The document's example documents, inserted as they are, read back through the API as their
 * owner sees them: ids and dates as strings, every documented field kept, no secrets. An admin
 * sees the example user without its password hash or Exotel credentials.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { issueSession } from "#core/auth/tokens.ts";
import { database } from "#core/db/client.ts";
import { newUser, useAiCallingApi, type Json } from "#test/fixtures/ai-calling/call-harness.ts";
import { AGENT_ID, CALL_LOG_ID, PHONE_ID, SEED_EXAMPLES, SESSION_ID, USER_ID, exampleUser } from "#test/fixtures/ai-calling/seed-examples.ts";

const { send } = useAiCallingApi();

let ownerToken: string;
let adminToken: string;

const get = (path: string, token: string) => send("GET", path, token);

/** What no answer may hold: the example's password hash and Exotel credentials. */
function expectNoSecrets(text: string) {
  for (const secret of [exampleUser.password, exampleUser.exotelConfig.apiKey, exampleUser.exotelConfig.apiToken, "exotelConfig", "\"password\""]) {
    expect(text).not.toContain(secret);
  }
}

beforeAll(async () => {
  const db = database("ai-calling");
  for (const [name, example] of Object.entries(SEED_EXAMPLES)) await db.collection(name).insertOne({ ...example });
  ownerToken = (await issueSession({ system: "ai-calling", userId: USER_ID, role: "user" })).accessToken;
  adminToken = (await newUser({ role: "admin" })).token;
});

describe("the document's examples through the API", () => {
  it("GET the agent answers it with ids and dates as strings", async () => {
    const { status, body, text } = await get(`agents/${AGENT_ID}`, ownerToken);

    expect(status).toBe(200);
    expect(body).toEqual({
      _id: AGENT_ID,
      userId: USER_ID,
      name: "Customer Support Agent",
      config: SEED_EXAMPLES.agents.config,
      isActive: true,
      stats: { totalCalls: 150, totalDuration: 45000, avgDuration: 300, successRate: 0.92 },
      createdAt: "2024-01-15T10:30:00.000Z",
      updatedAt: "2024-01-20T14:30:00.000Z",
    });
    expectNoSecrets(text);
  });

  it("the agent is in its owner's list and found by a search for its name", async () => {
    const listed = await get("agents", ownerToken);
    const found = await get("agents?q=customer%20support", ownerToken);

    expect(listed.body.data.map((agent: Json) => agent._id)).toEqual([AGENT_ID]);
    expect(found.body.data.map((agent: Json) => agent._id)).toEqual([AGENT_ID]);
  });

  it("GET the phone answers it, and its effective config carries the phone's greeting", async () => {
    const phone = await get(`phones/${PHONE_ID}`, ownerToken);
    const config = await get(`phones/${PHONE_ID}/agent-config`, ownerToken);

    expect(phone.status).toBe(200);
    expect(phone.body).toEqual({
      _id: PHONE_ID,
      userId: USER_ID,
      number: "+919876543210",
      country: "IN",
      provider: "exotel",
      agentId: AGENT_ID,
      tags: ["sales", "inbound", "priority"],
      status: "active",
      exotelData: { sid: "EX123456", appId: "APP123" },
      agentConfigOverride: { firstMessage: "Thank you for calling! How may I assist you?" },
      createdAt: "2024-01-15T10:30:00.000Z",
      updatedAt: "2024-01-20T14:30:00.000Z",
    });
    expect(config.body).toEqual({ ...SEED_EXAMPLES.agents.config, firstMessage: "Thank you for calling! How may I assist you?" });
  });

  it("GET the call log answers it, its recording URL as stored (not our copy)", async () => {
    const { status, body, text } = await get(`call-logs/${CALL_LOG_ID}`, ownerToken);

    expect(status).toBe(200);
    expect(body).toEqual({
      ...SEED_EXAMPLES.calllogs,
      _id: CALL_LOG_ID,
      userId: USER_ID,
      agentId: AGENT_ID,
      startedAt: "2024-01-15T10:30:00.000Z",
      endedAt: "2024-01-15T10:35:30.000Z",
      createdAt: "2024-01-15T10:30:00.000Z",
      updatedAt: "2024-01-15T10:35:30.000Z",
    });
    expectNoSecrets(text);
    expect((await get("call-logs?status=completed&from=2024-01-15&to=2024-01-15", ownerToken)).body.data.map((log: Json) => log._id)).toEqual([CALL_LOG_ID]);
  });

  it("GET the session by its sessionId answers it, conversation and all, and it is in its owner's list", async () => {
    const { status, body, text } = await get("sessions/sess_abc123xyz", ownerToken);
    const list = await get("sessions?status=active", ownerToken);

    expect(status).toBe(200);
    expect(body).toMatchObject({
      _id: SESSION_ID,
      sessionId: "sess_abc123xyz",
      userId: USER_ID,
      callLogId: CALL_LOG_ID,
      agentConfig: SEED_EXAMPLES.sessions.agentConfig,
      status: "active",
      lastActivityAt: "2024-01-15T10:30:13.000Z",
    });
    expect(body.conversationHistory).toEqual(SEED_EXAMPLES.sessions.conversationHistory.map((turn) => ({ ...turn, timestamp: turn.timestamp.toISOString() })));
    expectNoSecrets(text);
    expect(list.body.data.map((session: Json) => session.sessionId)).toEqual(["sess_abc123xyz"]);
  });

  it("an admin sees the example user without its password hash or Exotel credentials", async () => {
    const one = await get(`users/${USER_ID}`, adminToken);
    const list = await get("users", adminToken);

    expect(one.status).toBe(200);
    expect(one.body).toEqual({
      _id: USER_ID,
      email: "user@example.com",
      name: "John Doe",
      role: "user",
      credits: 100.5,
      isActive: true,
      lastLoginAt: "2024-01-20T14:30:00.000Z",
      createdAt: "2024-01-15T10:30:00.000Z",
      updatedAt: "2024-01-20T14:30:00.000Z",
    });
    expect(list.body.data.map((user: Json) => user._id)).toContain(USER_ID);
    expectNoSecrets(one.text);
    expectNoSecrets(list.text);
  });
});
