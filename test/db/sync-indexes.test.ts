/**
 * `planIndexes` compares a definition's indexes with `listIndexes` as a real MongoDB lists them:
 * default names, text indexes in their `_fts`/`_ftsx` form, storage-only fields ignored.
 */
import { describe, expect, it } from "vitest";
import { defaultIndexName, planIndexes } from "#core/db/sync-indexes.ts";

const ID_INDEX = { v: 2, key: { _id: 1 }, name: "_id_" };
const NOTHING = { drop: [], rebuild: [], ttl: [], create: [], conflicts: [], extras: [] };
const options = { prune: false, rebuild: false };

describe("planIndexes", () => {
  it("names indexes as MongoDB does by default", () => {
    expect(defaultIndexName({ userId: 1, createdAt: -1 })).toBe("userId_1_createdAt_-1");
    expect(defaultIndexName({ title: "text", body: "text" })).toBe("title_text_body_text");
  });

  it("matches a text index listed in its stored form with default weights and language", () => {
    const server = [ID_INDEX, { v: 2, key: { userId: 1, _fts: "text", _ftsx: 1 }, name: "userId_1_title_text_body_text", weights: { body: 1, title: 5 }, default_language: "english", language_override: "language", textIndexVersion: 3 }];

    const plan = planIndexes(server, [{ key: { userId: 1, title: "text", body: "text" }, weights: { title: 5 } }], options);

    expect(plan).toEqual(NOTHING);
  });

  it("ignores storage versions and accepts directions listed as doubles", () => {
    const server = [ID_INDEX, { v: 2, key: { location: "2dsphere", at: -1.0 }, name: "geo", "2dsphereIndexVersion": 3 }];

    expect(planIndexes(server, [{ key: { location: "2dsphere", at: -1 }, name: "geo" }], options)).toEqual(NOTHING);
  });

  it("treats a changed key order as a different index", () => {
    const server = [ID_INDEX, { v: 2, key: { b: 1, a: 1 }, name: "pair" }];

    expect(planIndexes(server, [{ key: { a: 1, b: 1 }, name: "pair" }], options).conflicts).toEqual([{ index: "pair", reason: "differs from the definition in key" }]);
  });

  it("refuses a definition naming two indexes alike", () => {
    expect(() => planIndexes([ID_INDEX], [{ key: { a: 1 } }, { key: { b: 1 }, name: "a_1" }], options)).toThrow("two indexes are named a_1");
  });
});
