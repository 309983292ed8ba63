/**
 * `/ai-calling/agents` over HTTP: CRUD with the document's validation rules (dotted paths),
 * server-managed fields refused, merge patches validated as a whole, owner isolation (someone
 * else's agent is a 404 for every action), the per-user list cache in Redis and its invalidation
 * by writes, full-text search ranked by relevance, and deletion refused while phones use the agent.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { agents } from "#core/ai-calling/agents.ts";
import { phones } from "#core/ai-calling/phones.ts";
import { redis } from "#core/cache/redis.ts";
import { openRepository } from "#core/db/repository.ts";
import { newUser, pathsOf, useAiCallingApi, type ApiUser, type Json } from "#test/fixtures/ai-calling/call-harness.ts";

const { send } = useAiCallingApi();

let alice: ApiUser;
let bob: ApiUser;

const agentBody = (overrides: Json = {}) => ({
  name: "Support Agent",
  config: {
    prompt: "You are a helpful support agent for Acme.",
    voice: { provider: "elevenlabs", voiceId: "21m00Tcm4TlvDq8ikWAM" },
    language: "en",
    llm: { model: "gpt-4", temperature: 0.7, maxTokens: 500 },
    firstMessage: "Hello! How can I help?",
  },
  ...overrides,
});

const create = async (user: ApiUser, overrides: Json = {}) => {
  const created = await send("POST", "agents", user.token, agentBody(overrides));
  expect(created.status).toBe(201);
  return created.body;
};

beforeAll(async () => {
  alice = await newUser();
  bob = await newUser();
});

describe("creating and reading an agent", () => {
  it("answers 201 with the agent, owned by the caller, ids and dates as strings", async () => {
    const created = await send("POST", "agents", alice.token, agentBody());
    const read = await send("GET", `agents/${created.body._id}`, alice.token);

    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ userId: alice.id.toHexString(), name: "Support Agent", isActive: true, config: agentBody().config });
    expect(created.body._id).toMatch(/^[0-9a-f]{24}$/);
    expect(created.body.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T.*Z$/);
    expect(created.body).not.toHaveProperty("stats");
    expect(read.status).toBe(200);
    expect(read.body).toEqual(created.body);
  });

  it.each([
    ["a name over 100 characters", { name: "a".repeat(101) }, ["name"]],
    ["an empty name", { name: " " }, ["name"]],
    ["a prompt under 10 characters", { config: { ...agentBody().config, prompt: "too short" } }, ["config.prompt"]],
    ["a prompt over 5000 characters", { config: { ...agentBody().config, prompt: "p".repeat(5001) } }, ["config.prompt"]],
    ["a temperature over 2", { config: { ...agentBody().config, llm: { model: "gpt-4", temperature: 2.5 } } }, ["config.llm.temperature"]],
    ["a negative temperature", { config: { ...agentBody().config, llm: { model: "gpt-4", temperature: -0.1 } } }, ["config.llm.temperature"]],
    ["an unknown voice provider", { config: { ...agentBody().config, voice: { provider: "polly", voiceId: "x" } } }, ["config.voice.provider"]],
    ["an unknown LLM model", { config: { ...agentBody().config, llm: { model: "gpt-5", temperature: 1 } } }, ["config.llm.model"]],
    ["a language that is not an ISO code", { config: { ...agentBody().config, language: "english" } }, ["config.language"]],
    ["server-managed fields", { stats: { totalCalls: 1, totalDuration: 1, avgDuration: 1, successRate: 1 }, userId: "64f8a1b2c3d4e5f6a7b8c9d0", _id: "64f8a1b2c3d4e5f6a7b8c9d1" }, ["_id", "stats", "userId"]],
  ])("refuses %s with 400 naming each field", async (_rule, overrides, paths) => {
    const { status, body } = await send("POST", "agents", alice.token, agentBody(overrides));

    expect(status).toBe(400);
    expect(body.error.code).toBe("VALIDATION_FAILED");
    expect(pathsOf(body)).toEqual(paths);
  });

  it("admits the documented bounds and a language with a region", async () => {
    const config = { ...agentBody().config, prompt: "p".repeat(10), language: "hi-IN", llm: { model: "gpt-3.5-turbo", temperature: 2 } };

    expect((await send("POST", "agents", alice.token, agentBody({ name: "a".repeat(100), config }))).status).toBe(201);
  });

  it("answers 404 for a malformed id and for an id that names nothing", async () => {
    for (const id of ["not-an-id", "64f8a1b2c3d4e5f6a7b8c9zz", "0123456789abcdef01234567"]) {
      expect((await send("GET", `agents/${id}`, alice.token)).status).toBe(404);
      expect((await send("PATCH", `agents/${id}`, alice.token, { name: "x" })).status).toBe(404);
      expect((await send("DELETE", `agents/${id}`, alice.token)).status).toBe(404);
    }
  });

  it("refuses a caller without a token with 401", async () => {
    expect((await send("GET", "agents")).status).toBe(401);
    expect((await send("POST", "agents", undefined, agentBody())).status).toBe(401);
  });
});

describe("patching an agent", () => {
  it("merges nested objects and keeps what the patch leaves out", async () => {
    const agent = await create(alice);

    const { status, body } = await send("PATCH", `agents/${agent._id}`, alice.token, { config: { llm: { temperature: 0.2 } }, isActive: false });

    expect(status).toBe(200);
    expect(body.config.llm).toEqual({ model: "gpt-4", temperature: 0.2, maxTokens: 500 });
    expect(body.config.prompt).toBe(agent.config.prompt);
    expect(body.isActive).toBe(false);
    expect(body.createdAt).toBe(agent.createdAt);
    expect(body.updatedAt > agent.updatedAt).toBe(true);
  });

  it("removes an optional field given null and refuses null for a required one", async () => {
    const agent = await create(alice);

    const removed = await send("PATCH", `agents/${agent._id}`, alice.token, { config: { firstMessage: null } });
    const refused = await send("PATCH", `agents/${agent._id}`, alice.token, { config: { voice: null } });

    expect(removed.status).toBe(200);
    expect(removed.body.config).not.toHaveProperty("firstMessage");
    expect(refused.status).toBe(400);
    expect(pathsOf(refused.body)).toEqual(["config.voice"]);
  });

  it("refuses invalid values and server-managed fields with their dotted paths", async () => {
    const agent = await create(alice);

    const { status, body } = await send("PATCH", `agents/${agent._id}`, alice.token, { name: "", config: { prompt: "short", llm: { temperature: 3 } }, stats: { totalCalls: 9 } });

    expect(status).toBe(400);
    expect(pathsOf(body)).toEqual(["config.llm.temperature", "config.prompt", "name", "stats"]);
    expect((await send("GET", `agents/${agent._id}`, alice.token)).body).toEqual(agent);
  });
});

describe("another user's agents", () => {
  it("are a 404 for get, patch and delete, and missing from the list", async () => {
    const agent = await create(alice, { name: "Alice private agent" });

    expect((await send("GET", `agents/${agent._id}`, bob.token)).status).toBe(404);
    expect((await send("PATCH", `agents/${agent._id}`, bob.token, { name: "Taken over" })).status).toBe(404);
    expect((await send("DELETE", `agents/${agent._id}`, bob.token)).status).toBe(404);
    const bobsList = await send("GET", "agents?limit=100", bob.token);
    expect(bobsList.body.data.map((item: Json) => item._id)).not.toContain(agent._id);
    expect((await send("GET", `agents/${agent._id}`, alice.token)).body).toEqual(agent);
  });

  it("are not found by bob's search either", async () => {
    await create(alice, { name: "Zanzibar concierge" });

    const found = await send("GET", "agents?q=zanzibar", bob.token);

    expect(found.status).toBe(200);
    expect(found.body.data).toEqual([]);
  });
});

describe("deleting an agent", () => {
  it("answers 204 and the agent is gone", async () => {
    const agent = await create(alice);

    expect((await send("DELETE", `agents/${agent._id}`, alice.token)).status).toBe(204);
    expect((await send("GET", `agents/${agent._id}`, alice.token)).status).toBe(404);
  });

  it("is refused with 409 on agentId while a phone is assigned to it, and allowed once unassigned", async () => {
    const agent = await create(alice);
    const phone = await send("POST", "phones", alice.token, { number: `+1555${String(Date.now()).slice(-7)}`, country: "US", agentId: agent._id });
    expect(phone.status).toBe(201);

    const refused = await send("DELETE", `agents/${agent._id}`, alice.token);

    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe("CONFLICT");
    expect(refused.body.error.details[0].path).toBe("agentId");
    expect(refused.body.error.message).toContain(phone.body.number);
    expect((await send("GET", `agents/${agent._id}`, alice.token)).status).toBe(200);

    await send("PATCH", `phones/${phone.body._id}`, alice.token, { agentId: null });

    expect((await send("DELETE", `agents/${agent._id}`, alice.token)).status).toBe(204);
  });
});

describe("the list", () => {
  it("pages the caller's agents newest first with the API.md parameters", async () => {
    const owner = await newUser();
    const made = [];
    for (const name of ["First", "Second", "Third"]) made.push(await create(owner, { name }));

    const first = await send("GET", "agents?limit=2", owner.token);
    const second = await send("GET", `agents?limit=2&cursor=${first.body.nextCursor}`, owner.token);

    expect(first.body.data.map((agent: Json) => agent.name)).toEqual(["Third", "Second"]);
    expect(second.body.data.map((agent: Json) => agent.name)).toEqual(["First"]);
    expect(second.body.nextCursor).toBeNull();
  });

  it("filters by isActive and refuses unknown or non-whitelisted parameters", async () => {
    const owner = await newUser();
    await create(owner, { name: "Live" });
    await create(owner, { name: "Paused", isActive: false });

    const inactive = await send("GET", "agents?isActive=false", owner.token);

    expect(inactive.body.data.map((agent: Json) => agent.name)).toEqual(["Paused"]);
    expect((await send("GET", "agents?color=blue", owner.token)).status).toBe(400);
    expect(pathsOf((await send("GET", "agents?sort=name", owner.token)).body)).toEqual(["sort"]);
    expect(pathsOf((await send("GET", "agents?limit=101", owner.token)).body)).toEqual(["limit"]);
  });
});

describe("the list cache", () => {
  it("answers a repeated list from cache:api:agents:list:{userId}, and every write makes the next list fresh", async () => {
    const owner = await newUser();
    const agent = await create(owner, { name: "Cached" });

    const first = await send("GET", "agents", owner.token);
    const second = await send("GET", "agents", owner.token);

    expect(first.headers.get("x-cache")).toBe("miss");
    expect(second.headers.get("x-cache")).toBe("hit");
    expect(second.body).toEqual(first.body);
    expect(await redis().exists(`cache:api:agents:list:${owner.id}`)).toBe(1);

    const added = await create(owner, { name: "Added" });
    const afterCreate = await send("GET", "agents", owner.token);
    expect(afterCreate.headers.get("x-cache")).toBe("miss");
    expect(afterCreate.body.data.map((item: Json) => item.name)).toEqual(["Added", "Cached"]);

    await send("PATCH", `agents/${agent._id}`, owner.token, { name: "Renamed" });
    const afterPatch = await send("GET", "agents", owner.token);
    expect(afterPatch.headers.get("x-cache")).toBe("miss");
    expect(afterPatch.body.data.map((item: Json) => item.name)).toEqual(["Added", "Renamed"]);

    await send("DELETE", `agents/${added._id}`, owner.token);
    const afterDelete = await send("GET", "agents", owner.token);
    expect(afterDelete.headers.get("x-cache")).toBe("miss");
    expect(afterDelete.body.data.map((item: Json) => item.name)).toEqual(["Renamed"]);
  });

  it("keeps each user's answer apart", async () => {
    const owner = await newUser();
    const other = await newUser();
    await create(owner, { name: "Mine only" });
    await send("GET", "agents", owner.token);

    const others = await send("GET", "agents", other.token);

    expect(others.headers.get("x-cache")).toBe("miss");
    expect(others.body.data).toEqual([]);
  });
});

describe("the list cache across users", () => {
  it("is not emptied for one user by another user's write", async () => {
    const owner = await newUser();
    const other = await newUser();
    await create(owner, { name: "Kept cached" });
    await send("GET", "agents", owner.token);

    await create(other, { name: "Someone else's" });
    const again = await send("GET", "agents", owner.token);

    expect(again.headers.get("x-cache")).toBe("hit");
    expect(await redis().exists(`cache:api:tag:ai-calling:agents:${owner.id}`)).toBe(1);
  });
});

describe("full-text search (?q=)", () => {
  it("ranks the caller's matching agents by relevance in one page, without a cursor", async () => {
    const owner = await newUser();
    await create(owner, { name: "Billing support line for enterprise customers" });
    await create(owner, { name: "Support support desk" });
    await create(owner, { name: "Outbound sales caller" });
    await create(owner, { name: "Customer Support Agent" });

    const found = await send("GET", "agents?q=support", owner.token);
    const limited = await send("GET", "agents?q=support&limit=2", owner.token);

    expect(found.status).toBe(200);
    expect(found.body.data.map((agent: Json) => agent.name)).toEqual(["Support support desk", "Customer Support Agent", "Billing support line for enterprise customers"]);
    expect(found.body.nextCursor).toBeNull();
    expect(found.body.data[0]).not.toHaveProperty("score");
    expect(limited.body.data.map((agent: Json) => agent.name)).toEqual(["Support support desk", "Customer Support Agent"]);
    expect(limited.body.nextCursor).toBeNull();
  });

  it("matches word stems and combines with the isActive filter", async () => {
    const owner = await newUser();
    await create(owner, { name: "Appointment booking" });
    await create(owner, { name: "Bookings archive", isActive: false });

    const active = await send("GET", "agents?q=bookings&isActive=true", owner.token);

    expect(active.body.data.map((agent: Json) => agent.name)).toEqual(["Appointment booking"]);
  });

  it("refuses sort and cursor alongside q, and an empty q", async () => {
    expect(pathsOf((await send("GET", "agents?q=support&sort=-createdAt", alice.token)).body)).toEqual(["sort"]);
    expect(pathsOf((await send("GET", "agents?q=support&cursor=abc", alice.token)).body)).toEqual(["cursor"]);
    expect(pathsOf((await send("GET", "agents?q=", alice.token)).body)).toEqual(["q"]);
  });
});

describe("stored agents", () => {
  it("are what the answers said, with the owner as an ObjectId", async () => {
    const agent = await create(alice, { name: "Stored check" });

    const stored = await openRepository(agents).get(agent._id);

    expect(stored.userId.toHexString()).toBe(alice.id.toHexString());
    expect(agents.toApi(stored)).toEqual(agent);
    expect(await openRepository(phones).collection.countDocuments({ agentId: stored._id })).toBe(0);
  });
});
