/**
 * Every list filter and sort a definition whitelists is served by an index, so no list endpoint
 * scans its collection. (Shapes against key prefixes; `explain` joins when the stand-in has it.)
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineCollection } from "#core/db/collection.ts";
import { uncoveredListQueries } from "#core/db/index-coverage.ts";
import { allCollections } from "#core/db/registry.ts";

const fields = (t: Parameters<Parameters<typeof defineCollection>[0]["fields"]>[0]) => ({
  _id: t.objectId(), userId: t.objectId(), status: z.string(), rank: z.number(), createdAt: t.date(),
});

describe("index coverage check", () => {
  it("accepts a definition whose filters and sorts lead an index", () => {
    const covered = defineCollection({
      system: "ai-calling", name: "covered", fields, owner: { field: "userId" },
      indexes: [{ key: { userId: 1, createdAt: -1 } }, { key: { status: 1 } }],
      list: { filters: ["status"], sorts: ["rank", "createdAt"], defaultSort: "-createdAt" },
    });

    expect(uncoveredListQueries(covered)).toEqual([]);
  });

  it("reports a filter and a sort that no index can serve", () => {
    const uncovered = defineCollection({
      system: "ai-calling", name: "uncovered", fields,
      indexes: [{ key: { createdAt: -1 } }, { key: { status: 1 }, partialFilterExpression: { status: "live" } }],
      list: { filters: ["status"], sorts: ["rank"], defaultSort: "-rank" },
    });

    expect(uncoveredListQueries(uncovered)).toEqual([{ equality: ["status"], sort: "rank" }, { equality: [], sort: "rank" }]);
  });

  it.each(allCollections().map((definition) => [`${definition.system}.${definition.name}`, definition]))("%s serves every list query from an index", (_name, definition) => {
    expect(uncoveredListQueries(definition)).toEqual([]);
  });
});
