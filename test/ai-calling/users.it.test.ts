/**
 * `/ai-calling/users` over HTTP, for admins: list, get, patch (name, role, isActive and credits,
 * credits being server-managed for everyone else), delete (with the user's agents and phones).
 * Other users get 403. Password hashes and Exotel credentials never appear in an answer; a user's
 * own `PUT /users/me/exotel-config` stores the credentials encrypted and answers 204.
 */
import { ObjectId } from "mongodb";
import { beforeAll, describe, expect, it } from "vitest";
import { agents } from "#core/ai-calling/agents.ts";
import { phones } from "#core/ai-calling/phones.ts";
import { users } from "#core/ai-calling/users.ts";
import { database } from "#core/db/client.ts";
import { ENCRYPTED_VALUE } from "#core/db/collection.ts";
import { openRepository } from "#core/db/repository.ts";
import { PASSWORD_HASH, newUser, pathsOf, useAiCallingApi, type ApiUser, type Json } from "#test/fixtures/ai-calling/call-harness.ts";

const { send } = useAiCallingApi();

let admin: ApiUser;
let member: ApiUser;

const CREDENTIALS = { apiKey: "EXkey-4f1c2a", apiToken: "tok-9b8e7d6c5b4a", sid: "acme-sid-77", subdomain: "api.in.exotel.com" };

beforeAll(async () => {
  admin = await newUser({ role: "admin" });
  member = await newUser();
  await send("PUT", "users/me/exotel-config", member.token, CREDENTIALS);
});

/** Nothing of a password hash or the Exotel credentials in an answer's text. */
function expectNoSecrets(text: string) {
  for (const secret of [PASSWORD_HASH, ...Object.values(CREDENTIALS), "enc:v1:", "exotelConfig", "password"]) expect(text).not.toContain(secret);
}

describe("admins", () => {
  it("list users without password hashes or Exotel credentials", async () => {
    const { status, body, text } = await send("GET", "users?limit=100", admin.token);

    expect(status).toBe(200);
    expect(body.data.map((user: Json) => user.email)).toEqual(expect.arrayContaining([admin.email, member.email]));
    expect(body.data.find((user: Json) => user._id === member.id.toHexString())).toMatchObject({ name: "Someone", role: "user", credits: 0, isActive: true });
    expectNoSecrets(text);
  });

  it("filter the list by isActive and sort it by email", async () => {
    const inactive = await newUser();
    await openRepository(users).update(inactive.id, { isActive: false });

    const listed = await send("GET", "users?isActive=false", admin.token);
    const sorted = await send("GET", "users?sort=email&limit=100", admin.token);

    expect(listed.body.data.map((user: Json) => user._id)).toEqual([inactive.id.toHexString()]);
    const emails = sorted.body.data.map((user: Json) => user.email);
    expect(emails).toEqual([...emails].sort());
  });

  it("read one user, without secrets; 404 for a malformed or unknown id", async () => {
    const { status, body, text } = await send("GET", `users/${member.id}`, admin.token);

    expect(status).toBe(200);
    expect(body).toMatchObject({ _id: member.id.toHexString(), email: member.email });
    expectNoSecrets(text);
    expect((await send("GET", "users/nope", admin.token)).status).toBe(404);
    expect((await send("GET", `users/${new ObjectId()}`, admin.token)).status).toBe(404);
  });

  it("set name, role, isActive and credits", async () => {
    const target = await newUser();

    const { status, body, text } = await send("PATCH", `users/${target.id}`, admin.token, { name: "Renamed", role: "admin", isActive: false, credits: 250.5 });

    expect(status).toBe(200);
    expect(body).toMatchObject({ _id: target.id.toHexString(), name: "Renamed", role: "admin", isActive: false, credits: 250.5, email: target.email });
    expectNoSecrets(text);
    expect(await openRepository(users).get(target.id)).toMatchObject({ name: "Renamed", role: "admin", isActive: false, credits: 250.5, password: PASSWORD_HASH });
  });

  it("keep what a patch leaves out (no default resets the role)", async () => {
    const target = await newUser({ role: "admin" });

    const { body } = await send("PATCH", `users/${target.id}`, admin.token, { credits: 5 });

    expect(body).toMatchObject({ role: "admin", credits: 5, name: "Someone", isActive: true });
  });

  it.each([
    ["negative credits", { credits: -1 }, ["credits"]],
    ["a role outside user/admin", { role: "owner" }, ["role"]],
    ["a name over 100 characters", { name: "n".repeat(101) }, ["name"]],
    ["fields admins may not set here", { email: "x@example.com", password: "hunter22", exotelConfig: CREDENTIALS, lastLoginAt: "2024-01-01T00:00:00Z" }, ["email", "exotelConfig", "lastLoginAt", "password"]],
    ["null for a required field", { name: null }, ["name"]],
  ])("are refused %s with 400", async (_rule, patch, paths) => {
    const { status, body } = await send("PATCH", `users/${member.id}`, admin.token, patch);

    expect(status).toBe(400);
    expect(body.error.code).toBe("VALIDATION_FAILED");
    expect(pathsOf(body)).toEqual(paths);
  });

  it("delete a user with their agents and phones, and keep their call logs", async () => {
    const target = await newUser();
    const caller = { userId: target.id, role: "user" };
    const agent = await openRepository(agents, { caller }).create({
      name: "Doomed", config: { prompt: "You are going away soon.", voice: { provider: "openai", voiceId: "alloy" }, language: "en", llm: { model: "gpt-4", temperature: 1 } },
    });
    const phone = await openRepository(phones, { caller }).create({ number: "+14155550199", country: "US", agentId: agent._id });
    await database("ai-calling").collection("calllogs").insertOne({
      sessionId: `sess_${target.id}`, userId: caller.userId, agentId: agent._id, fromPhone: phone.number, toPhone: "+14155550100",
      direction: "outbound", status: "completed", createdAt: new Date(), updatedAt: new Date(),
    });

    const deleted = await send("DELETE", `users/${target.id}`, admin.token);

    expect(deleted.status).toBe(204);
    expect((await send("GET", `users/${target.id}`, admin.token)).status).toBe(404);
    expect((await send("DELETE", `users/${target.id}`, admin.token)).status).toBe(404);
    expect(await database("ai-calling").collection("agents").countDocuments({ userId: caller.userId })).toBe(0);
    expect(await database("ai-calling").collection("phones").countDocuments({ userId: caller.userId })).toBe(0);
    expect(await database("ai-calling").collection("calllogs").countDocuments({ userId: caller.userId })).toBe(1);
    // The number is free again.
    expect((await send("POST", "phones", member.token, { number: phone.number, country: "US" })).status).toBe(201);
  });
});

describe("users who are not admins", () => {
  it("get 403 for every admin action", async () => {
    expect((await send("GET", "users", member.token)).status).toBe(403);
    expect((await send("GET", `users/${member.id}`, member.token)).status).toBe(403);
    expect((await send("PATCH", `users/${member.id}`, member.token, { credits: 1_000_000 })).status).toBe(403);
    expect((await send("DELETE", `users/${admin.id}`, member.token)).status).toBe(403);
    expect((await openRepository(users).get(member.id)).credits).toBe(0);
  });

  it("get 401 without a token", async () => {
    expect((await send("GET", "users")).status).toBe(401);
    expect((await send("GET", `users/${member.id}`)).status).toBe(401);
  });
});

describe("PUT /users/me/exotel-config", () => {
  it("stores the user's credentials encrypted, answers 204, and no answer shows them", async () => {
    const owner = await newUser();

    const put = await send("PUT", "users/me/exotel-config", owner.token, CREDENTIALS);

    expect(put.status).toBe(204);
    expect(put.text).toBe("");
    const stored = await database("ai-calling").collection("users").findOne({ _id: owner.id });
    expect(stored!.exotelConfig.apiKey).toMatch(ENCRYPTED_VALUE);
    expect(stored!.exotelConfig.apiToken).toMatch(ENCRYPTED_VALUE);
    expect(stored!.exotelConfig.apiKey.startsWith("enc:v1:")).toBe(true);
    expect(stored!.exotelConfig.apiToken.startsWith("enc:v1:")).toBe(true);
    expect(stored!.exotelConfig).toMatchObject({ sid: CREDENTIALS.sid, subdomain: CREDENTIALS.subdomain });
    expect(openRepository(users).reveal(stored as never).exotelConfig).toEqual(CREDENTIALS);
    for (const answer of [await send("GET", `users/${owner.id}`, admin.token), await send("GET", "users?limit=100", admin.token), await send("PATCH", `users/${owner.id}`, admin.token, { name: "Still secret" })]) {
      expect(answer.status).toBe(200);
      expectNoSecrets(answer.text);
    }
    const me = await send("GET", "auth/me", owner.token);
    expect(me.status).toBe(200);
    for (const secret of [CREDENTIALS.apiKey, CREDENTIALS.apiToken, "enc:v1:", PASSWORD_HASH]) expect(me.text).not.toContain(secret);
  });

  it("replaces earlier credentials, re-encrypted", async () => {
    const owner = await newUser();
    await send("PUT", "users/me/exotel-config", owner.token, CREDENTIALS);

    const next = { apiKey: "EXkey-second", apiToken: "tok-second", sid: "sid-2", subdomain: "api.exotel.com" };
    expect((await send("PUT", "users/me/exotel-config", owner.token, next)).status).toBe(204);

    const stored = await openRepository(users).get(owner.id);
    expect(openRepository(users).reveal(stored).exotelConfig).toEqual(next);
  });

  it("refuses an incomplete or padded body with the fields' paths, and a caller without a token", async () => {
    const missing = await send("PUT", "users/me/exotel-config", member.token, { apiKey: "k", apiToken: "t", sid: "s" });
    const extra = await send("PUT", "users/me/exotel-config", member.token, { ...CREDENTIALS, credits: 100 });
    const empty = await send("PUT", "users/me/exotel-config", member.token, { ...CREDENTIALS, apiToken: "" });

    expect(missing.status).toBe(400);
    expect(pathsOf(missing.body)).toEqual(["subdomain"]);
    expect(pathsOf(extra.body)).toEqual(["credits"]);
    expect(pathsOf(empty.body)).toEqual(["apiToken"]);
    expect((await send("PUT", "users/me/exotel-config", undefined, CREDENTIALS)).status).toBe(401);
  });
});
