/**
 * The document's migration `001-add-agent-stats`, run by the migration runner from its file:
 * up gives every agent without stats zeroed ones and leaves existing stats alone; down removes
 * stats from every agent, as the document's own down does.
 */
import { BSON, ObjectId } from "mongodb";
import { beforeAll, describe, expect, it } from "vitest";
import { collections } from "#core/ai-calling/collections.ts";
import { database } from "#core/db/client.ts";
import { loadMigrations, migrationsDirectory } from "#core/db/migration-files.ts";
import { migrateDown, migrateUp, migrationStatus } from "#core/db/migrations.ts";
import { syncCollections } from "#core/db/sync.ts";
import { exampleAgent } from "#test/fixtures/ai-calling/seed-examples.ts";

const db = () => database("ai-calling");

beforeAll(async () => {
  await syncCollections({ db: db(), definitions: collections });
});

describe("0001-add-agent-stats", () => {
  it("adds zeroed stats where missing, keeps existing ones, and down removes them all", async () => {
    const migrations = await loadMigrations(migrationsDirectory("ai-calling"));
    const withStats = BSON.deserialize(BSON.serialize(exampleAgent));
    const { stats: _stats, ...withoutStats } = { ...(BSON.deserialize(BSON.serialize(exampleAgent)) as typeof exampleAgent), _id: new ObjectId() };
    await db().collection("agents").insertMany([withStats, withoutStats]);

    await migrateUp({ db: db(), system: "ai-calling", migrations });
    const afterUp = await db().collection("agents").find().sort({ _id: 1 }).toArray();
    const status = await migrationStatus({ db: db(), system: "ai-calling", migrations });
    await migrateDown({ db: db(), system: "ai-calling", migrations, steps: 1 });
    const afterDown = await db().collection("agents").find().toArray();

    expect(migrations.map((migration) => migration.id)).toContain("0001-add-agent-stats");
    expect(afterUp.find((agent) => agent._id.equals(withStats._id))!.stats).toEqual(exampleAgent.stats);
    expect(afterUp.find((agent) => agent._id.equals(withoutStats._id))!.stats).toEqual({ totalCalls: 0, totalDuration: 0, avgDuration: 0, successRate: 0 });
    expect(status.find((state) => state.id === "0001-add-agent-stats")?.state).toBe("applied");
    expect(afterDown.every((agent) => !("stats" in agent))).toBe(true);
  });
});
