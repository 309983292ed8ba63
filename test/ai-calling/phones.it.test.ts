/**
 * `/ai-calling/phones` over HTTP: CRUD with the document's rules (E.164, ISO country, at most 10
 * tags, enums, override bounds), the platform-wide unique number (409 on `number`), agentId
 * limited to the caller's own agents (400, never telling whether another's exists), owner
 * isolation, and the effective agent config: the agent's config with the phone's override
 * deep-merged over it.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { effectiveAgentConfig } from "#core/ai-calling/agent-configs.ts";
import { agents, type AgentConfig } from "#core/ai-calling/agents.ts";
import { openRepository } from "#core/db/repository.ts";
import { newUser, pathsOf, useAiCallingApi, type ApiUser, type Json } from "#test/fixtures/ai-calling/call-harness.ts";

interface Owner extends ApiUser { agentId: string }

const { send } = useAiCallingApi();

let alice: Owner;
let bob: Owner;

const AGENT_CONFIG: AgentConfig = {
  prompt: "You are a helpful support agent for Acme.",
  voice: { provider: "elevenlabs", voiceId: "21m00Tcm4TlvDq8ikWAM", model: "eleven_turbo_v2", settings: { stability: 0.5, style: 0.3, pronunciations: ["Acme", "AC-mee"] } },
  language: "en",
  llm: { model: "gpt-4", temperature: 0.7, maxTokens: 500 },
  firstMessage: "Hello! How can I help?",
  sessionTimeout: 300,
  flow: { userStartFirst: false, interruption: { allowed: true }, responseDelay: 500 },
};

/** A user with one agent, made directly (an agent POST would clear other files' cached lists). */
async function newOwner(): Promise<Owner> {
  const user = await newUser();
  const agent = await openRepository(agents, { caller: { userId: user.id, role: "user" } }).create({ name: "Main agent", config: AGENT_CONFIG });
  return { ...user, agentId: agent._id.toHexString() };
}

let sequence = 0;
/** A number no other test holds (each test file has its own database). */
const freshNumber = () => `+9198${String(++sequence).padStart(8, "0")}`;

const phoneBody = (overrides: Json = {}) => ({ number: freshNumber(), country: "IN", ...overrides });

const create = async (user: Owner, overrides: Json = {}) => {
  const created = await send("POST", "phones", user.token, phoneBody(overrides));
  expect(created.status).toBe(201);
  return created.body;
};

beforeAll(async () => {
  alice = await newOwner();
  bob = await newOwner();
});

describe("creating and reading a phone", () => {
  it("answers 201 with the documented defaults, owned by the caller", async () => {
    const created = await send("POST", "phones", alice.token, phoneBody({ agentId: alice.agentId, tags: ["sales"] }));
    const read = await send("GET", `phones/${created.body._id}`, alice.token);

    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ userId: alice.id.toHexString(), country: "IN", provider: "exotel", status: "active", agentId: alice.agentId, tags: ["sales"] });
    expect(read.body).toEqual(created.body);
  });

  it.each([
    ["a number not in E.164", { number: "09876543210" }, ["number"]],
    ["a number with a leading zero country code", { number: "+0123456789" }, ["number"]],
    ["a country that is not an ISO code", { country: "XX" }, ["country"]],
    ["a provider other than exotel", { provider: "twilio" }, ["provider"]],
    ["a status outside active/inactive", { status: "paused" }, ["status"]],
    ["eleven tags", { tags: Array.from({ length: 11 }, (_, i) => `t${i}`) }, ["tags"]],
    ["an override temperature over 2", { agentConfigOverride: { llm: { temperature: 3 } } }, ["agentConfigOverride.llm.temperature"]],
    ["an override language that is not an ISO code", { agentConfigOverride: { language: "english" } }, ["agentConfigOverride.language"]],
    ["a malformed agentId", { agentId: "agent-1" }, ["agentId"]],
    ["server-managed fields", { userId: "64f8a1b2c3d4e5f6a7b8c9d0", createdAt: "2024-01-01T00:00:00Z" }, ["createdAt", "userId"]],
  ])("refuses %s with 400 naming the field", async (_rule, overrides, paths) => {
    const { status, body } = await send("POST", "phones", alice.token, phoneBody(overrides));

    expect(status).toBe(400);
    expect(body.error.code).toBe("VALIDATION_FAILED");
    expect(pathsOf(body)).toEqual(paths);
  });

  it("admits ten tags", async () => {
    expect((await send("POST", "phones", alice.token, phoneBody({ tags: Array.from({ length: 10 }, (_, i) => `t${i}`) }))).status).toBe(201);
  });

  it("answers 409 on number when the number is taken, by anyone", async () => {
    const phone = await create(alice);

    const mine = await send("POST", "phones", alice.token, phoneBody({ number: phone.number }));
    const theirs = await send("POST", "phones", bob.token, phoneBody({ number: phone.number }));
    const moved = await send("PATCH", `phones/${(await create(alice))._id}`, alice.token, { number: phone.number });

    for (const answer of [mine, theirs, moved]) {
      expect(answer.status).toBe(409);
      expect(answer.body.error.code).toBe("CONFLICT");
      expect(answer.body.error.details[0].path).toBe("number");
    }
  });

  it("answers 404 for a malformed id", async () => {
    expect((await send("GET", "phones/nope", alice.token)).status).toBe(404);
    expect((await send("PATCH", "phones/nope", alice.token, { tags: [] })).status).toBe(404);
    expect((await send("DELETE", "phones/nope", alice.token)).status).toBe(404);
    expect((await send("GET", "phones/nope/agent-config", alice.token)).status).toBe(404);
  });
});

describe("the agent a phone is assigned to", () => {
  it("must be one of the caller's: another's or a missing agent is a 400 on agentId, alike", async () => {
    const others = await send("POST", "phones", alice.token, phoneBody({ agentId: bob.agentId }));
    const missing = await send("POST", "phones", alice.token, phoneBody({ agentId: "0123456789abcdef01234567" }));

    for (const answer of [others, missing]) {
      expect(answer.status).toBe(400);
      expect(answer.body.error.code).toBe("VALIDATION_FAILED");
      expect(answer.body.error.details).toEqual([{ path: "agentId", message: "must be one of your agents" }]);
    }
  });

  it("is checked on patch too, and null unassigns it", async () => {
    const phone = await create(alice, { agentId: alice.agentId });

    const others = await send("PATCH", `phones/${phone._id}`, alice.token, { agentId: bob.agentId });
    const unassigned = await send("PATCH", `phones/${phone._id}`, alice.token, { agentId: null });
    const reassigned = await send("PATCH", `phones/${phone._id}`, alice.token, { agentId: alice.agentId });

    expect(others.status).toBe(400);
    expect(pathsOf(others.body)).toEqual(["agentId"]);
    expect(unassigned.status).toBe(200);
    expect(unassigned.body).not.toHaveProperty("agentId");
    expect(reassigned.body.agentId).toBe(alice.agentId);
  });
});

describe("patching and deleting a phone", () => {
  it("replaces arrays whole, merges objects, and validates the result", async () => {
    const phone = await create(alice, { tags: ["a", "b"], agentConfigOverride: { firstMessage: "Hi", llm: { temperature: 0.1 } } });

    const patched = await send("PATCH", `phones/${phone._id}`, alice.token, { tags: ["c"], status: "inactive", agentConfigOverride: { llm: { maxTokens: 100 } } });
    const tooMany = await send("PATCH", `phones/${phone._id}`, alice.token, { tags: Array.from({ length: 11 }, (_, i) => `t${i}`) });

    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ tags: ["c"], status: "inactive", agentConfigOverride: { firstMessage: "Hi", llm: { temperature: 0.1, maxTokens: 100 } } });
    expect(pathsOf(tooMany.body)).toEqual(["tags"]);
  });

  it("deletes with 204", async () => {
    const phone = await create(alice);

    expect((await send("DELETE", `phones/${phone._id}`, alice.token)).status).toBe(204);
    expect((await send("GET", `phones/${phone._id}`, alice.token)).status).toBe(404);
  });
});

describe("another user's phones", () => {
  it("are a 404 for get, patch, delete and agent-config, and missing from the list", async () => {
    const phone = await create(alice, { agentId: alice.agentId });

    expect((await send("GET", `phones/${phone._id}`, bob.token)).status).toBe(404);
    expect((await send("PATCH", `phones/${phone._id}`, bob.token, { agentId: bob.agentId })).status).toBe(404);
    expect((await send("DELETE", `phones/${phone._id}`, bob.token)).status).toBe(404);
    expect((await send("GET", `phones/${phone._id}/agent-config`, bob.token)).status).toBe(404);
    const list = await send("GET", "phones?limit=100", bob.token);
    expect(list.body.data.map((item: Json) => item._id)).not.toContain(phone._id);
    expect((await send("GET", `phones/${phone._id}`, alice.token)).body).toEqual(phone);
  });
});

describe("the list", () => {
  it("filters by status, tag and agent, newest first", async () => {
    const owner = await newOwner();
    const first = await create(owner, { tags: ["sales", "inbound"], agentId: owner.agentId });
    const second = await create(owner, { tags: ["support"], status: "inactive" });
    const third = await create(owner, { tags: ["sales"] });
    const ids = async (query: string) => (await send("GET", `phones?${query}`, owner.token)).body.data.map((phone: Json) => phone._id);

    expect(await ids("")).toEqual([third._id, second._id, first._id]);
    expect(await ids("status=inactive")).toEqual([second._id]);
    expect(await ids("tags=sales")).toEqual([third._id, first._id]);
    expect(await ids(`agentId=${owner.agentId}`)).toEqual([first._id]);
    expect((await send("GET", "phones?country=IN", owner.token)).status).toBe(400);
  });
});

describe("the effective agent config", () => {
  it("is the agent's config with the override merged key by key, arrays and scalars replaced", async () => {
    const override = {
      firstMessage: "Thank you for calling!",
      llm: { temperature: 0.2 },
      voice: { settings: { stability: 0.9, pronunciations: ["AK-mee"] } },
      flow: { interruption: { allowed: false } },
    };
    const phone = await create(alice, { agentId: alice.agentId, agentConfigOverride: override });

    const { status, body } = await send("GET", `phones/${phone._id}/agent-config`, alice.token);

    expect(status).toBe(200);
    expect(body).toEqual({
      ...AGENT_CONFIG,
      firstMessage: "Thank you for calling!",
      llm: { model: "gpt-4", temperature: 0.2, maxTokens: 500 },
      voice: { ...AGENT_CONFIG.voice, settings: { stability: 0.9, style: 0.3, pronunciations: ["AK-mee"] } },
      flow: { userStartFirst: false, interruption: { allowed: false }, responseDelay: 500 },
    });
  });

  it("is the agent's own config when the phone overrides nothing", async () => {
    const phone = await create(alice, { agentId: alice.agentId });

    expect((await send("GET", `phones/${phone._id}/agent-config`, alice.token)).body).toEqual(AGENT_CONFIG);
  });

  it("answers 404 when the phone has no agent", async () => {
    const phone = await create(alice);

    const { status, body } = await send("GET", `phones/${phone._id}/agent-config`, alice.token);

    expect(status).toBe(404);
    expect(body.error.code).toBe("NOT_FOUND");
  });

  it("leaves both configs as they were", () => {
    const override = { llm: { temperature: 1.5 }, voice: { settings: { style: 1 } } };
    const before = structuredClone({ AGENT_CONFIG, override });

    const merged = effectiveAgentConfig(AGENT_CONFIG, override);

    expect(merged.llm.temperature).toBe(1.5);
    expect(merged.voice.settings).toEqual({ stability: 0.5, style: 1, pronunciations: ["Acme", "AC-mee"] });
    expect({ AGENT_CONFIG, override }).toEqual(before);
    expect(effectiveAgentConfig(AGENT_CONFIG, undefined)).toEqual(AGENT_CONFIG);
  });
});
