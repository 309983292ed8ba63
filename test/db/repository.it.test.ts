/**
 * Repositories against the real driver and the stand-in: cursor pagination that is stable over
 * ties and deletes, owner isolation, unique violations as 409 naming the field, whole-document
 * validation with paths, merge-patch updates, encrypted fields at rest.
 */
import { ObjectId } from "mongodb";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import * as z from "zod";
import { defineCollection } from "#core/db/collection.ts";
import { database } from "#core/db/client.ts";
import { listQuerySchema } from "#core/db/list-query.ts";
import { openRepository, type Caller } from "#core/db/repository.ts";
import { AppError, BadRequestError, ConflictError, NotFoundError, ValidationError } from "#core/errors.ts";

const widgets = defineCollection({
  system: "ai-calling",
  name: "repo_widgets",
  fields: (t) => ({
    _id: t.objectId(),
    ownerId: t.objectId(),
    code: z.string().min(3).max(20),
    status: z.enum(["draft", "live"]).default("draft"),
    rank: z.number().int().min(0),
    note: z.string().max(50).optional(),
    config: z.object({ level: z.number().min(0).max(2), secretKey: z.string().min(4).optional() }),
    tags: z.array(z.string()).max(3).default([]),
    createdAt: t.date(),
    updatedAt: t.date(),
  }),
  owner: { field: "ownerId", bypassRoles: ["admin"] },
  encrypted: ["config.secretKey"],
  indexes: [{ key: { code: 1 }, unique: true }, { key: { ownerId: 1, rank: 1 } }],
  list: { filters: ["status", "tags", "rank"], sorts: ["rank", "createdAt"], defaultSort: "-createdAt" },
});

const alice: Caller = { userId: new ObjectId(), role: "user" };
const bob: Caller = { userId: new ObjectId(), role: "user" };
const admin: Caller = { userId: new ObjectId(), role: "admin" };
const query = (params: Record<string, string> = {}) => listQuerySchema(widgets).parse(params);
const input = (code: string, rank: number, extra: Record<string, unknown> = {}) => widgets.createInput.parse({ code, rank, config: { level: 1 }, ...extra });

beforeAll(async () => {
  for (const index of widgets.indexes ?? []) await database("ai-calling").collection("repo_widgets").createIndex(index.key, { unique: index.unique });
});

beforeEach(async () => {
  await database("ai-calling").collection("repo_widgets").deleteMany({});
});

describe("create and get", () => {
  it("stores server-managed fields and the caller as owner", async () => {
    const created = await openRepository(widgets, { caller: alice }).create(input("abc", 1));

    const stored = await openRepository(widgets, { caller: alice }).get(created._id.toHexString());

    expect(stored.ownerId).toEqual(alice.userId);
    expect(stored.status).toBe("draft");
    expect(stored.createdAt).toBeInstanceOf(Date);
    expect(stored.updatedAt).toEqual(stored.createdAt);
  });

  it("answers 409 naming the field when a unique value is taken", async () => {
    await openRepository(widgets, { caller: alice }).create(input("dup", 1));

    const failure = await openRepository(widgets, { caller: bob }).create(input("dup", 2)).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(ConflictError);
    expect((failure as ConflictError).details).toEqual([{ path: "code", message: "code is already taken" }]);
  });

  it("refuses a document that breaks the stored schema, with the failing paths", async () => {
    const failure = await openRepository(widgets, { caller: alice }).create({ code: "ok-code", rank: -1, config: { level: 5 } }).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(ValidationError);
    expect((failure as AppError).details?.map((detail) => detail.path).sort()).toEqual(["config.level", "rank"]);
  });

  it("answers 404 for a malformed id, as for a missing one", async () => {
    await expect(openRepository(widgets, { caller: alice }).get("not-an-id")).rejects.toBeInstanceOf(NotFoundError);
    await expect(openRepository(widgets, { caller: alice }).get(new ObjectId())).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe("owner scope", () => {
  it("hides other owners' documents from get, update, remove and list", async () => {
    const bobs = await openRepository(widgets, { caller: bob }).create(input("bobs", 1));
    const asAlice = openRepository(widgets, { caller: alice });

    await expect(asAlice.get(bobs._id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(asAlice.update(bobs._id, { note: "mine now" })).rejects.toBeInstanceOf(NotFoundError);
    await expect(asAlice.remove(bobs._id)).rejects.toBeInstanceOf(NotFoundError);
    expect((await asAlice.list(query())).data).toEqual([]);
    expect((await openRepository(widgets, { caller: bob }).get(bobs._id)).note).toBeUndefined();
  });

  it("lets a bypass role see every owner's documents", async () => {
    await openRepository(widgets, { caller: alice }).create(input("a-1", 1));
    await openRepository(widgets, { caller: bob }).create(input("b-1", 2));

    const page = await openRepository(widgets, { caller: admin }).list(query());

    expect(page.data.map((doc) => doc.code).sort()).toEqual(["a-1", "b-1"]);
  });

  it("never lets a patch move a document to another owner", async () => {
    const doc = await openRepository(widgets, { caller: alice }).create(input("keep", 1));

    const updated = await openRepository(widgets, { caller: alice }).update(doc._id, { ownerId: bob.userId });

    expect(updated.ownerId).toEqual(alice.userId);
  });
});

describe("list pagination", () => {
  it("walks ties on the sort field in a stable order without repeats or gaps", async () => {
    const repo = openRepository(widgets, { caller: alice });
    for (let i = 0; i < 13; i++) await repo.create(input(`tie-${String(i).padStart(2, "0")}`, i % 3));

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await repo.list(query({ sort: "rank", limit: "4", ...(cursor && { cursor }) }));
      seen.push(...page.data.map((doc) => doc.code));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);

    expect(seen).toHaveLength(13);
    expect(new Set(seen).size).toBe(13);
    const ranks = await Promise.all(seen.map(async (code) => (await repo.collection.findOne({ code }))!.rank));
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
  });

  it("continues correctly after the last document of a page is deleted", async () => {
    const repo = openRepository(widgets, { caller: alice });
    for (let i = 0; i < 6; i++) await repo.create(input(`del-${i}`, i));
    const first = await repo.list(query({ sort: "-rank", limit: "2" }));

    await repo.remove(first.data[1]._id);
    const second = await repo.list(query({ sort: "-rank", limit: "2", cursor: first.nextCursor! }));

    expect(first.data.map((doc) => doc.rank)).toEqual([5, 4]);
    expect(second.data.map((doc) => doc.rank)).toEqual([3, 2]);
  });

  it("filters by whitelisted fields, reading values with the field's type", async () => {
    const repo = openRepository(widgets, { caller: alice });
    await repo.create(input("f-1", 1, { tags: ["red"] }));
    await repo.create(input("f-2", 2, { tags: ["red", "blue"], status: "live" }));

    expect((await repo.list(query({ tags: "blue" }))).data.map((doc) => doc.code)).toEqual(["f-2"]);
    expect((await repo.list(query({ rank: "1" }))).data.map((doc) => doc.code)).toEqual(["f-1"]);
    expect((await repo.list(query({ status: "live", tags: "red" }))).data.map((doc) => doc.code)).toEqual(["f-2"]);
  });

  it("refuses unknown parameters, unlisted sorts and out-of-range limits", () => {
    for (const params of [{ colour: "red" }, { sort: "code" }, { limit: "0" }, { limit: "101" }, { rank: "x" }, { status: "gone" }]) {
      expect(listQuerySchema(widgets).safeParse(params).success, JSON.stringify(params)).toBe(false);
    }
  });

  it("refuses a cursor that was issued for another sort, or tampered with", async () => {
    const repo = openRepository(widgets, { caller: alice });
    for (let i = 0; i < 3; i++) await repo.create(input(`c-${i}`, i));
    const page = await repo.list(query({ sort: "rank", limit: "1" }));

    await expect(repo.list(query({ sort: "-rank", limit: "1", cursor: page.nextCursor! }))).rejects.toBeInstanceOf(BadRequestError);
    await expect(repo.list(query({ cursor: "bm90LWEtY3Vyc29y" }))).rejects.toBeInstanceOf(BadRequestError);
  });
});

describe("update", () => {
  it("merges the patch, removes fields patched with null and keeps the rest", async () => {
    const repo = openRepository(widgets, { caller: alice });
    const doc = await repo.create(input("merge", 1, { note: "hello", tags: ["a", "b"] }));

    const updated = await repo.update(doc._id, widgets.updateInput.parse({ config: { level: 2 }, note: null, tags: ["c"] }));

    expect(updated.config.level).toBe(2);
    expect(updated.note).toBeUndefined();
    expect(updated.tags).toEqual(["c"]);
    expect(updated.code).toBe("merge");
    expect(updated.updatedAt.getTime()).toBeGreaterThanOrEqual(doc.updatedAt.getTime());
    expect(await repo.collection.findOne({ _id: doc._id })).not.toHaveProperty("note");
  });

  it("validates the merged document as a whole and leaves the stored one untouched when it fails", async () => {
    const repo = openRepository(widgets, { caller: alice });
    const doc = await repo.create(input("whole", 1));

    await expect(repo.update(doc._id, { tags: ["1", "2", "3", "4"] })).rejects.toBeInstanceOf(ValidationError);

    expect((await repo.get(doc._id)).tags).toEqual([]);
  });

  it("applies concurrent patches without losing either", async () => {
    const repo = openRepository(widgets, { caller: alice });
    const doc = await repo.create(input("race", 1));

    await Promise.all([repo.update(doc._id, { note: "from one" }), repo.update(doc._id, { config: { level: 0 } })]);

    const stored = await repo.get(doc._id);
    expect(stored.note).toBe("from one");
    expect(stored.config.level).toBe(0);
  });
});

describe("encrypted fields", () => {
  it("keeps them as ciphertext at rest and reveals them on request", async () => {
    const repo = openRepository(widgets, { caller: alice });
    const doc = await repo.create(input("enc", 1, { config: { level: 1, secretKey: "sk-live-1234" } }));

    const raw = await repo.collection.findOne({ _id: doc._id });

    expect(raw!.config.secretKey).toMatch(/^enc:v1:/);
    expect(repo.reveal(raw!).config.secretKey).toBe("sk-live-1234");
    expect(widgets.toApi(raw!).config).toEqual({ level: 1 });
  });

  it("re-encrypts them when another field is patched", async () => {
    const repo = openRepository(widgets, { caller: alice });
    const doc = await repo.create(input("enc-2", 1, { config: { level: 1, secretKey: "sk-live-5678" } }));

    await repo.update(doc._id, { note: "touched" });

    const raw = await repo.collection.findOne({ _id: doc._id });
    expect(repo.reveal(raw!).config.secretKey).toBe("sk-live-5678");
  });
});
