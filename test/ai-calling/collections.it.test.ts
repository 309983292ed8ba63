/**
 * The AI Calling collections as db:sync leaves them: the document's example documents pass the
 * validators as they are, every validation rule the document lists is refused by the database
 * itself, the documented indexes exist (the text index on agent names, the partial TTL index on
 * ended sessions), and the TTL index removes ended sessions, never active ones.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { BSON, MongoServerError, ObjectId, type Document } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collections } from "#core/ai-calling/collections.ts";
import { database } from "#core/db/client.ts";
import { syncCollections } from "#core/db/sync.ts";
import { SEED_EXAMPLES, exampleAgent, exampleCallLog, examplePhone, exampleSession, exampleUser } from "#test/fixtures/ai-calling/seed-examples.ts";

const db = () => database("ai-calling");

beforeAll(async () => {
  await syncCollections({ db: db(), definitions: collections });
});

/** The code the server refused a write with (121: document failed validation), or 0. */
const refusal = (collection: string, doc: Document) =>
  db().collection(collection).insertOne(doc).then(() => 0, (error: MongoServerError) => error.code);

/** A deep copy that keeps ObjectIds and dates (structuredClone would make them plain objects). */
const copy = (doc: Document): any => BSON.deserialize(BSON.serialize(doc));

/** A fresh copy of an example with its own _id and unique fields, changed by `change`. */
function variant(example: Document, change: (doc: any) => void): Document {
  const doc = copy(example);
  doc._id = new ObjectId();
  for (const field of ["email", "number", "sessionId"]) if (field in doc) doc[field] = field === "email" ? `u${doc._id}@example.com` : field === "number" ? `+91${String(Date.now()).slice(-9)}${Math.floor(Math.random() * 9)}` : `sess_${doc._id}`;
  change(doc);
  return doc;
}

describe("the document's examples", () => {
  it("are admitted as they are by every collection's validator", async () => {
    for (const [name, example] of Object.entries(SEED_EXAMPLES)) {
      expect(await refusal(name, copy(example)), name).toBe(0);
    }
  });
});

describe("validation rules, enforced by the database", () => {
  const cases: [string, string, Document, (doc: any) => void][] = [
    ["users", "an email that is not one", exampleUser, (d) => (d.email = "not-an-email")],
    ["users", "a missing name", exampleUser, (d) => delete d.name],
    ["users", "a name over 100 characters", exampleUser, (d) => (d.name = "n".repeat(101))],
    ["users", "an empty name", exampleUser, (d) => (d.name = "")],
    ["users", "a role outside user/admin", exampleUser, (d) => (d.role = "owner")],
    ["users", "negative credits", exampleUser, (d) => (d.credits = -0.01)],
    ["agents", "a prompt under 10 characters", exampleAgent, (d) => (d.config.prompt = "too short")],
    ["agents", "a prompt over 5000 characters", exampleAgent, (d) => (d.config.prompt = "p".repeat(5001))],
    ["agents", "a temperature over 2", exampleAgent, (d) => (d.config.llm.temperature = 2.1)],
    ["agents", "a negative temperature", exampleAgent, (d) => (d.config.llm.temperature = -0.1)],
    ["agents", "an unknown voice provider", exampleAgent, (d) => (d.config.voice.provider = "polly")],
    ["agents", "a missing voiceId", exampleAgent, (d) => delete d.config.voice.voiceId],
    ["agents", "an unknown LLM model", exampleAgent, (d) => (d.config.llm.model = "gpt-5")],
    ["agents", "a language that is not an ISO code", exampleAgent, (d) => (d.config.language = "english")],
    ["agents", "a name over 100 characters", exampleAgent, (d) => (d.name = "a".repeat(101))],
    ["phones", "a number not in E.164", examplePhone, (d) => (d.number = "09876543210")],
    ["phones", "a country that is not an ISO code", examplePhone, (d) => (d.country = "XX")],
    ["phones", "a provider other than exotel", examplePhone, (d) => (d.provider = "twilio")],
    ["phones", "a status outside active/inactive", examplePhone, (d) => (d.status = "paused")],
    ["phones", "eleven tags", examplePhone, (d) => (d.tags = Array.from({ length: 11 }, (_, i) => `t${i}`))],
    ["phones", "an override temperature over 2", examplePhone, (d) => (d.agentConfigOverride = { llm: { temperature: 3 } })],
    ["calllogs", "a missing sessionId", exampleCallLog, (d) => delete d.sessionId],
    ["calllogs", "a direction outside inbound/outbound", exampleCallLog, (d) => (d.direction = "sideways")],
    ["calllogs", "a status outside the enum", exampleCallLog, (d) => (d.status = "dropped")],
    ["calllogs", "a negative duration", exampleCallLog, (d) => (d.durationSec = -1)],
    ["calllogs", "a negative total cost", exampleCallLog, (d) => (d.costBreakdown.total = -0.5)],
    ["sessions", "a status outside active/ended", exampleSession, (d) => (d.status = "paused")],
    ["sessions", "a message role outside user/assistant/system", exampleSession, (d) => (d.conversationHistory[0].role = "bot")],
  ];

  it.each(cases)("%s refuses %s", async (collection, _rule, example, change) => {
    expect(await refusal(collection, variant(example, change))).toBe(121);
  });

  it("admits the documented bounds themselves", async () => {
    const bounds = [
      refusal("agents", variant(exampleAgent, (d) => { d.config.prompt = "p".repeat(10); d.config.llm.temperature = 2; d.name = "a".repeat(100); d.config.language = "hi-IN"; })),
      refusal("agents", variant(exampleAgent, (d) => { d.config.prompt = "p".repeat(5000); d.config.llm.temperature = 0; })),
      refusal("phones", variant(examplePhone, (d) => (d.tags = Array.from({ length: 10 }, (_, i) => `t${i}`)))),
      refusal("users", variant(exampleUser, (d) => (d.credits = 0))),
      refusal("calllogs", variant(exampleCallLog, (d) => (d.durationSec = 0))),
    ];

    expect(await Promise.all(bounds)).toEqual([0, 0, 0, 0, 0]);
  });

  it("refuses a second phone with the same number and a second call log with the same sessionId", async () => {
    const phone = variant(examplePhone, () => undefined);
    const log = variant(exampleCallLog, () => undefined);
    await db().collection("phones").insertOne(phone);
    await db().collection("calllogs").insertOne(log);

    expect(await refusal("phones", { ...phone, _id: new ObjectId() })).toBe(11000);
    expect(await refusal("calllogs", { ...log, _id: new ObjectId() })).toBe(11000);
  });
});

describe("indexes", () => {
  const keysOf = async (collection: string) => (await db().collection(collection).indexes()).map((index) => index.key);

  it("are the document's, collection by collection", async () => {
    expect(await keysOf("users")).toEqual(expect.arrayContaining([{ email: 1 }, { createdAt: -1 }, { isActive: 1 }]));
    expect(await keysOf("agents")).toEqual(expect.arrayContaining([{ userId: 1, createdAt: -1 }, { userId: 1, isActive: 1 }, { _fts: "text", _ftsx: 1 }]));
    expect(await keysOf("phones")).toEqual(expect.arrayContaining([{ number: 1 }, { userId: 1, status: 1 }, { agentId: 1 }, { tags: 1 }]));
    expect(await keysOf("calllogs")).toEqual(expect.arrayContaining([
      { sessionId: 1 }, { userId: 1, createdAt: -1 }, { agentId: 1, createdAt: -1 }, { status: 1, createdAt: -1 }, { direction: 1, createdAt: -1 },
      { fromPhone: 1 }, { toPhone: 1 }, { exotelCallSid: 1 }, { startedAt: -1, endedAt: -1 },
    ]));
    expect(await keysOf("sessions")).toEqual(expect.arrayContaining([{ sessionId: 1 }, { userId: 1, status: 1 }, { status: 1, lastActivityAt: -1 }, { exotelCallSid: 1 }, { updatedAt: 1 }]));
  });

  it("include the partial TTL index removing ended sessions 24 hours after their last update", async () => {
    const ttl = (await db().collection("sessions").indexes()).find((index) => index.key.updatedAt === 1);

    expect(ttl).toMatchObject({ expireAfterSeconds: 86_400, partialFilterExpression: { status: "ended" } });
  });
});

describe("the TTL index", () => {
  const admin = () => db().client.db("admin");
  let previousSleep: number;

  beforeAll(async () => {
    previousSleep = (await admin().command({ setParameter: 1, ttlMonitorSleepSecs: 1 })).was;
  });

  afterAll(async () => {
    await admin().command({ setParameter: 1, ttlMonitorSleepSecs: previousSleep });
  });

  it("removes a session ended over 24 hours ago and keeps an ended recent one and an old active one", async () => {
    const dayAndAMinuteAgo = new Date(Date.now() - 86_460_000);
    const ended = variant(exampleSession, (d) => { d.status = "ended"; d.updatedAt = dayAndAMinuteAgo; });
    const endedRecently = variant(exampleSession, (d) => { d.status = "ended"; d.updatedAt = new Date(); });
    const activeOld = variant(exampleSession, (d) => (d.updatedAt = dayAndAMinuteAgo));
    await db().collection("sessions").insertMany([ended, endedRecently, activeOld]);

    await sleep(2_500);

    const left = await db().collection("sessions").find({ _id: { $in: [ended._id, endedRecently._id, activeOld._id] } }).toArray();
    expect(left.map((doc) => String(doc._id)).sort()).toEqual([String(endedRecently._id), String(activeOld._id)].sort());
  });
});

describe("the users validator", () => {
  it("carries the document's own $jsonSchema rules: required email, password, name and role; the pattern; the role enum; credits ≥ 0", async () => {
    const { options } = (await db().listCollections({ name: "users" }).next()) as unknown as { options: { validator: { $jsonSchema: any } } };
    const schema = options.validator.$jsonSchema;

    expect(schema.required).toEqual(expect.arrayContaining(["email", "password", "name", "role"]));
    expect(schema.properties.email.pattern).toBe("^[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\\.[a-zA-Z]{2,}$");
    expect(schema.properties.role.enum).toEqual(["user", "admin"]);
    expect(schema.properties.credits).toMatchObject({ bsonType: "number", minimum: 0 });
    expect(await refusal("users", variant(exampleUser, (d) => delete d.role))).toBe(121);
  });
});
