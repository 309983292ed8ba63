/**
 * `syncCollections` against the real driver and the stand-in: it creates collections with their
 * validator and indexes, changes nothing on a second run, updates validators and TTLs in place,
 * reports conflicting and extra indexes without dropping them unless asked, and keeps going past
 * a collection that fails.
 */
import { MongoServerError, ObjectId, type Db } from "mongodb";
import { describe, expect, it } from "vitest";
import * as z from "zod";
import { database } from "#core/db/client.ts";
import { defineCollection, type IndexDefinition } from "#core/db/collection.ts";
import { syncCollections } from "#core/db/sync.ts";

const db = (): Db => database("ai-calling");

/** A small definition; each test uses its own collection name in the file's database. */
function widgets(name: string, { indexes = [] as IndexDefinition[], maxRank = 10, level = "strict" as "strict" | "moderate" } = {}) {
  return defineCollection({
    system: "ai-calling",
    name,
    fields: (t) => ({ _id: t.objectId(), code: z.string().min(3), rank: z.number().int().min(0).max(maxRank), createdAt: t.date(), updatedAt: t.date() }),
    indexes,
    validation: { level },
  });
}

const listed = async (name: string) => (await db().listCollections({ name }, { nameOnly: false }).toArray())[0];
const indexesOf = async (name: string) => db().collection(name).listIndexes().toArray();
const doc = (rank: number) => ({ _id: new ObjectId(), code: "abc", rank, createdAt: new Date(), updatedAt: new Date() });

describe("syncCollections", () => {
  it("creates a missing collection with its validator and indexes", async () => {
    const definition = widgets("created", { indexes: [{ key: { code: 1 }, unique: true }, { key: { rank: -1, createdAt: 1 }, name: "by_rank" }] });

    const report = await syncCollections({ db: db(), definitions: [definition] });

    expect(report.collections[0].changes).toEqual([
      { action: "created collection" },
      { action: "created index", index: "code_1" },
      { action: "created index", index: "by_rank" },
    ]);
    const info = await listed("created");
    expect(info.options).toMatchObject({ validator: definition.validator(), validationLevel: "strict", validationAction: "error" });
    const indexes = await indexesOf("created");
    expect(indexes.map(({ name, key, unique }) => ({ name, key, unique }))).toEqual([
      { name: "_id_", key: { _id: 1 }, unique: undefined },
      { name: "code_1", key: { code: 1 }, unique: true },
      { name: "by_rank", key: { rank: -1, createdAt: 1 }, unique: undefined },
    ]);
    const refused = await db().collection("created").insertOne({ code: "x", rank: -1 }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(MongoServerError);
    expect((refused as MongoServerError).code).toBe(121);
  });

  it("reports nothing changed on a second run", async () => {
    const definition = widgets("idempotent", { indexes: [{ key: { code: 1 }, unique: true, partialFilterExpression: { rank: { $gt: 0 } } }, { key: { createdAt: 1 }, expireAfterSeconds: 3600 }] });
    await syncCollections({ db: db(), definitions: [definition] });

    const second = await syncCollections({ db: db(), definitions: [definition] });

    expect(second).toMatchObject({ changes: 0, conflicts: 0, failed: 0 });
    expect(second.collections[0]).toMatchObject({ changes: [], conflicts: [], extras: [] });
  });

  it("applies a changed validator and validation level with collMod", async () => {
    await syncCollections({ db: db(), definitions: [widgets("revalidated")] });
    await db().collection("revalidated").insertOne(doc(20)).catch(() => undefined);
    const changed = widgets("revalidated", { maxRank: 100, level: "moderate" });

    const report = await syncCollections({ db: db(), definitions: [changed] });

    expect(report.collections[0].changes).toEqual([{ action: "updated validation", detail: "validator, validationLevel" }]);
    expect((await listed("revalidated")).options).toMatchObject({ validator: changed.validator(), validationLevel: "moderate", validationAction: "error" });
    await expect(db().collection("revalidated").insertOne(doc(20))).resolves.toMatchObject({ acknowledged: true });
  });

  it("updates a changed TTL in place, keeping the index", async () => {
    await syncCollections({ db: db(), definitions: [widgets("expiring", { indexes: [{ key: { createdAt: 1 }, expireAfterSeconds: 3600 }] })] });

    const report = await syncCollections({ db: db(), definitions: [widgets("expiring", { indexes: [{ key: { createdAt: 1 }, expireAfterSeconds: 60 }] })] });

    expect(report.collections[0].changes).toEqual([{ action: "updated TTL", index: "createdAt_1", detail: "expireAfterSeconds 3600 -> 60" }]);
    expect((await indexesOf("expiring")).find((index) => index.name === "createdAt_1")?.expireAfterSeconds).toBe(60);
  });

  it("reports an index whose spec changed as a conflict and leaves it", async () => {
    await syncCollections({ db: db(), definitions: [widgets("conflicting", { indexes: [{ key: { code: 1 }, name: "code" }] })] });
    const unique = widgets("conflicting", { indexes: [{ key: { code: 1 }, name: "code", unique: true }] });

    const report = await syncCollections({ db: db(), definitions: [unique] });

    expect(report).toMatchObject({ changes: 0, conflicts: 1, failed: 0 });
    expect(report.collections[0].conflicts).toEqual([{ index: "code", reason: "differs from the definition in unique" }]);
    expect((await indexesOf("conflicting")).find((index) => index.name === "code")?.unique).toBeUndefined();
  });

  it("drops and recreates a conflicting index when asked to rebuild", async () => {
    await syncCollections({ db: db(), definitions: [widgets("rebuilt", { indexes: [{ key: { code: 1 }, name: "code" }] })] });

    const report = await syncCollections({ db: db(), definitions: [widgets("rebuilt", { indexes: [{ key: { code: 1 }, name: "code", unique: true }] })], rebuild: true });

    expect(report.collections[0].changes).toEqual([{ action: "rebuilt index", index: "code", detail: "differed in unique" }]);
    expect((await indexesOf("rebuilt")).find((index) => index.name === "code")?.unique).toBe(true);
  });

  it("reports an index the definition does not name as extra and drops it only with prune", async () => {
    const definition = widgets("pruned", { indexes: [{ key: { code: 1 } }] });
    await syncCollections({ db: db(), definitions: [definition] });
    await db().collection("pruned").createIndex({ rank: 1 });

    const kept = await syncCollections({ db: db(), definitions: [definition] });
    const afterKeeping = (await indexesOf("pruned")).map((index) => index.name);
    const pruned = await syncCollections({ db: db(), definitions: [definition], prune: true });

    expect(kept.collections[0]).toMatchObject({ changes: [], extras: ["rank_1"] });
    expect(afterKeeping).toEqual(["_id_", "code_1", "rank_1"]);
    expect(pruned.collections[0]).toMatchObject({ changes: [{ action: "dropped index", index: "rank_1", detail: "not in the definition" }], extras: [] });
    expect((await indexesOf("pruned")).map((index) => index.name)).toEqual(["_id_", "code_1"]);
  });

  it("reports a renamed index as a conflict rather than failing on the duplicate key", async () => {
    await syncCollections({ db: db(), definitions: [widgets("renamed", { indexes: [{ key: { code: 1 }, name: "old_name" }] })] });

    const report = await syncCollections({ db: db(), definitions: [widgets("renamed", { indexes: [{ key: { code: 1 }, name: "new_name" }] })] });

    expect(report.collections[0]).toMatchObject({ changes: [], conflicts: [{ index: "new_name", reason: "the server's index old_name has the same key" }], extras: ["old_name"] });
    expect((await indexesOf("renamed")).map((index) => index.name)).toEqual(["_id_", "old_name"]);
  });

  it("replaces a renamed index when asked to rebuild", async () => {
    await syncCollections({ db: db(), definitions: [widgets("renamed-rebuilt", { indexes: [{ key: { code: 1 }, name: "old_name" }] })] });

    const report = await syncCollections({ db: db(), definitions: [widgets("renamed-rebuilt", { indexes: [{ key: { code: 1 }, name: "new_name" }] })], rebuild: true });

    expect(report.collections[0]).toMatchObject({
      changes: [{ action: "dropped index", index: "old_name", detail: "same key as new_name" }, { action: "created index", index: "new_name" }],
      conflicts: [],
      extras: [],
    });
    expect((await indexesOf("renamed-rebuilt")).map((index) => index.name)).toEqual(["_id_", "new_name"]);
  });

  it("keeps syncing the other collections when one fails, and says which step failed", async () => {
    const broken = widgets("broken", { indexes: [{ key: { code: "sideways" as never } }] });
    const fine = widgets("fine", { indexes: [{ key: { code: 1 } }] });

    const report = await syncCollections({ db: db(), definitions: [broken, fine] });

    expect(report).toMatchObject({ failed: 1, changes: 3 });
    expect(report.collections[0].error?.message).toMatch(/^creating index code_sideways failed: .+ \(CannotCreateIndex\)$/);
    expect(report.collections[1]).toMatchObject({ changes: [{ action: "created collection" }, { action: "created index", index: "code_1" }] });
  });
});
