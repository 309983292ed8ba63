/**
 * Every list filter and sort a definition whitelists is served by an index: `explain` on the
 * stand-in (or MONGODB_URI) must show no collection scan for any list query shape.
 */
import { describe, expect, it } from "vitest";
import * as z from "zod";
import { database } from "#core/db/client.ts";
import { defineCollection } from "#core/db/collection.ts";
import { explainListQueries, uncoveredListQueries } from "#core/db/index-coverage.ts";
import { allCollections } from "#core/db/registry.ts";
import { syncCollections } from "#core/db/sync.ts";

const fields = (t: Parameters<Parameters<typeof defineCollection>[0]["fields"]>[0]) => ({
  _id: t.objectId(), userId: t.objectId(), status: z.enum(["live", "draft"]), rank: z.number(), createdAt: t.date(),
});

const covered = defineCollection({
  system: "ai-calling", name: "coverage_good", fields, owner: { field: "userId" },
  indexes: [{ key: { userId: 1, createdAt: -1 } }, { key: { status: 1 } }],
  list: { filters: ["status"], sorts: ["rank", "createdAt"], defaultSort: "-createdAt" },
});

const uncovered = defineCollection({
  system: "ai-calling", name: "coverage_bad", fields,
  indexes: [{ key: { createdAt: -1 } }, { key: { status: 1 }, partialFilterExpression: { status: "live" } }],
  list: { filters: ["status"], sorts: ["rank"], defaultSort: "-rank" },
});

describe("index coverage check", () => {
  it("finds no collection scan for a definition whose filters and sorts lead an index", async () => {
    await syncCollections({ db: database("ai-calling"), definitions: [covered] });

    expect(await explainListQueries(database("ai-calling"), covered)).toEqual([]);
    expect(uncoveredListQueries(covered)).toEqual([]);
  });

  it("reports the filter and the sort that the server answers with a collection scan", async () => {
    await syncCollections({ db: database("ai-calling"), definitions: [uncovered] });

    const scans = await explainListQueries(database("ai-calling"), uncovered);

    expect(scans.map(({ equality, sort }) => ({ equality, sort }))).toEqual([{ equality: ["status"], sort: "rank" }, { equality: [], sort: "rank" }]);
    expect(scans[0].plan).toContain("COLLSCAN");
    expect(uncoveredListQueries(uncovered)).toEqual([{ equality: ["status"], sort: "rank" }, { equality: [], sort: "rank" }]);
  });

  it.each(allCollections().map((definition) => [`${definition.system}.${definition.name}`, definition] as const))("%s answers every list query from an index", async (_name, definition) => {
    const db = database(definition.system);
    await syncCollections({ db, definitions: [definition] });

    expect(await explainListQueries(db, definition)).toEqual([]);
  });
});
