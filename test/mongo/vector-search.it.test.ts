/**
 * Atlas Vector Search on the stand-in, through the driver's search index helpers and the
 * `$vectorSearch` stage: indexes created, listed, updated and dropped as on Atlas; an exact
 * nearest-neighbour search with `filter` on declared filter fields and Atlas's normalized scores
 * (cosine (1 + cos) / 2, dotProduct (1 + dot) / 2, euclidean 1 / (1 + d)); Atlas's errors for bad
 * options. Atlas-only, so skipped against a plain MongoDB.
 */
import type { Collection, Db, Document } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { externalMongoUri, startTestMongo, type TestMongo } from "#test/helpers/mongo.ts";

type Media = { _id?: number; title?: string; genre?: string; embedding?: unknown };

const MEDIA: Media[] = [
  { _id: 1, title: "east", genre: "news", embedding: [1, 0, 0] },
  { _id: 2, title: "north-east", genre: "sport", embedding: [0.6, 0.8, 0] },
  { _id: 3, title: "north", genre: "news", embedding: [0, 1, 0] },
  { _id: 4, title: "west", genre: "news", embedding: [-1, 0, 0] },
  { _id: 5, title: "flat", genre: "news", embedding: [1, 0] },
  { _id: 6, title: "none", genre: "news" },
];

const vectorIndex = (similarity: string, name = "vectors") => ({
  name,
  type: "vectorSearch",
  definition: { fields: [{ type: "vector", path: "embedding", numDimensions: 3, similarity }, { type: "filter", path: "genre" }] },
});

let mongo: TestMongo;
let db: Db;
let media: Collection<Media>;
let seq = 0;
const fresh = async () => {
  const coll = db.collection<Media>(`vec${++seq}`);
  await coll.insertMany(MEDIA.map((doc) => ({ ...doc })));
  return coll;
};
const search = (coll: Collection<Media>, options: Document, index = "vectors") =>
  coll.aggregate([
    { $vectorSearch: { index, path: "embedding", queryVector: [1, 0, 0], ...options } },
    { $project: { _id: 0, title: 1, score: { $meta: "vectorSearchScore" } } },
  ]).toArray();

describe.skipIf(Boolean(externalMongoUri()))("Atlas Vector Search", () => {
  beforeAll(async () => {
    mongo = await startTestMongo();
    db = mongo.freshDatabase("vector_search");
    media = await fresh();
    await media.createSearchIndex(vectorIndex("cosine"));
  });

  afterAll(() => mongo?.close());

  describe("search indexes", () => {
    it("are listed READY and queryable with their definition", async () => {
      const [index] = await media.listSearchIndexes().toArray();

      expect(index).toMatchObject({ name: "vectors", type: "vectorSearch", status: "READY", queryable: true, latestDefinition: vectorIndex("cosine").definition });
      expect(await media.listSearchIndexes("other").toArray()).toEqual([]);
    });

    it("refuse a vector field without valid dimensions or similarity", async () => {
      const bad = (field: Document) => media.createSearchIndex({ name: "bad", type: "vectorSearch", definition: { fields: [{ type: "vector", path: "embedding", ...field }] } });

      await expect(bad({ similarity: "cosine" })).rejects.toMatchObject({ message: expect.stringContaining("numDimensions") });
      await expect(bad({ numDimensions: 3, similarity: "manhattan" })).rejects.toMatchObject({ message: expect.stringContaining("similarity") });
      expect((await media.listSearchIndexes().toArray()).map((index) => index.name)).toEqual(["vectors"]);
    });

    it("refuse a second index with the same name", async () => {
      await expect(media.createSearchIndex(vectorIndex("cosine"))).rejects.toMatchObject({ code: 68 });
    });

    it("can be updated (a new definition version) and dropped; dropping a missing one is no error", async () => {
      const coll = await fresh();
      await coll.createSearchIndex(vectorIndex("cosine"));

      await coll.updateSearchIndex("vectors", vectorIndex("euclidean").definition);
      const [updated] = await coll.listSearchIndexes().toArray();
      await coll.dropSearchIndex("vectors");
      await coll.dropSearchIndex("vectors");

      expect(updated).toMatchObject({ latestVersion: 1, latestDefinition: { fields: [{ similarity: "euclidean" }, { type: "filter" }] } });
      expect(await coll.listSearchIndexes().toArray()).toEqual([]);
    });
  });

  describe("$vectorSearch", () => {
    it("returns the nearest vectors first with cosine scores (1 + cos) / 2, skipping vectors of other dimensions", async () => {
      const results = await search(media, { numCandidates: 100, limit: 10 });

      expect(results.map((doc) => doc.title)).toEqual(["east", "north-east", "north", "west"]);
      expect(results.map((doc) => doc.score)).toEqual([1, (1 + 0.6) / 2, 0.5, 0]);
    });

    it("keeps only `limit` results", async () => {
      expect((await search(media, { exact: true, limit: 2 })).map((doc) => doc.title)).toEqual(["east", "north-east"]);
    });

    it("scores euclidean as 1 / (1 + distance) and dotProduct as (1 + dot) / 2", async () => {
      const coll = await fresh();
      await coll.createSearchIndex(vectorIndex("euclidean", "l2"));
      await coll.createSearchIndex(vectorIndex("dotProduct", "dot"));

      const l2 = await search(coll, { exact: true, limit: 2 }, "l2");
      const dot = await search(coll, { exact: true, limit: 2 }, "dot");

      expect(l2).toEqual([{ title: "east", score: 1 }, { title: "north-east", score: 1 / (1 + Math.hypot(0.4, 0.8)) }]);
      expect(dot).toEqual([{ title: "east", score: 1 }, { title: "north-east", score: (1 + 0.6) / 2 }]);
    });

    it("pre-filters on the index's filter fields", async () => {
      const results = await search(media, { exact: true, limit: 10, filter: { genre: { $eq: "news" } } });

      expect(results.map((doc) => doc.title)).toEqual(["east", "north", "west"]);
    });

    it("refuses a filter on a path not indexed as filter", async () => {
      await expect(search(media, { exact: true, limit: 10, filter: { title: "east" } })).rejects.toMatchObject({ message: expect.stringContaining("Path 'title' needs to be indexed as filter") });
    });

    it("finds nothing through an index that does not exist, as Atlas does", async () => {
      expect(await search(media, { exact: true, limit: 10 }, "missing")).toEqual([]);
    });

    it("validates its options as Atlas does", async () => {
      await expect(search(media, { numCandidates: 10 })).rejects.toMatchObject({ message: expect.stringContaining('"limit" is required') });
      await expect(search(media, { numCandidates: 10_001, limit: 1 })).rejects.toMatchObject({ message: expect.stringContaining('"numCandidates" must be within bounds [1..10000]') });
      await expect(search(media, { numCandidates: 1, limit: 5 })).rejects.toMatchObject({ message: expect.stringContaining('"numCandidates" must be greater than or equal to "limit"') });
      await expect(search(media, { exact: true, numCandidates: 10, limit: 5 })).rejects.toMatchObject({ message: expect.stringContaining("numCandidates") });
      await expect(search(media, { limit: 5 })).rejects.toMatchObject({ message: expect.stringContaining("numCandidates is required") });
    });

    it("refuses a query vector of other dimensions than the index's", async () => {
      await expect(search(media, { exact: true, limit: 1, queryVector: [1, 0] })).rejects.toMatchObject({ message: expect.stringContaining("indexed with 3 dimensions but queried with 2") });
    });

    it("must be the first stage (40602)", async () => {
      const pipeline = [{ $match: {} }, { $vectorSearch: { index: "vectors", path: "embedding", queryVector: [1, 0, 0], exact: true, limit: 1 } }];

      await expect(media.aggregate(pipeline).toArray()).rejects.toMatchObject({ code: 40602, message: "$vectorSearch is only valid as the first stage in a pipeline." });
    });
  });
});
