/**
 * Text search through the driver, as MongoDB 8.0 answers it: one text index per collection (in
 * the server's `_fts`/`_ftsx` form, with weights and languages), `$text` with terms, phrases and
 * negations over Snowball stems without stop words, textScore in projection and sort, and the
 * errors for a missing index, misplaced `$text` and unavailable scores. Also: 2dsphere, text and
 * search indexes all survive a restart of a stand-in with --dbpath.
 */
import type { Collection, Db, Document } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { externalMongoUri, startTestMongo, type TestMongo } from "#test/helpers/mongo.ts";
import { connectStandIn, removeTempDbpaths, tempDbpath } from "#test/fixtures/mongo/dbpath.ts";

type Article = { _id?: number; title?: string; body?: string; tags?: string[]; language?: string; category?: string; [key: string]: unknown };

const ARTICLES: Article[] = [
  { _id: 1, title: "Coffee shops in Paris", body: "The best coffee and cakes near the river" },
  { _id: 2, title: "Baking cakes", body: "How to bake a cake with coffee flavour" },
  { _id: 3, title: "Tea rooms", body: "Tea is not coffee, but tea rooms serve cakes" },
  { _id: 4, title: "Running shoes", body: "A runner runs in shoes", tags: ["sport", "shoes"] },
  { _id: 5, title: "Café culture", body: "Le café et les croissants" },
];

let mongo: TestMongo;
let db: Db;
let articles: Collection<Article>;
let seq = 0;
const fresh = async (docs: Article[] = ARTICLES) => {
  const coll = db.collection<Article>(`text${++seq}`);
  await coll.insertMany(docs.map((doc) => ({ ...doc })));
  return coll;
};
const ids = (docs: Document[]) => docs.map((doc) => doc._id);
const search = (coll: Collection<Article>, $search: string, extra: Document = {}) =>
  coll.find({ $text: { $search, ...extra } }).sort({ _id: 1 }).toArray().then(ids);

beforeAll(async () => {
  mongo = await startTestMongo();
  db = mongo.freshDatabase("text");
  articles = await fresh();
  await articles.createIndex({ title: "text", body: "text", tags: "text" }, { weights: { title: 10 }, name: "search" });
});

afterAll(async () => {
  await mongo?.close();
  await removeTempDbpaths();
});

describe("text indexes", () => {
  it("are stored in the server's form: _fts/_ftsx key, sorted weights, languages, version 3", async () => {
    const index = (await articles.listIndexes().toArray()).find((spec) => spec.name === "search");

    expect(index).toMatchObject({
      key: { _fts: "text", _ftsx: 1 },
      weights: { body: 1, tags: 1, title: 10 },
      default_language: "english",
      language_override: "language",
      textIndexVersion: 3,
    });
    expect(Object.keys(index!.weights)).toEqual(["body", "tags", "title"]);
  });

  it("allow one text index per collection: another is an equivalent index with other options (85)", async () => {
    await expect(articles.createIndex({ summary: "text" })).rejects.toMatchObject({ code: 85, codeName: "IndexOptionsConflict" });
  });

  it("allow one text index per collection: a compound one is refused with CannotCreateIndex 67", async () => {
    await expect(articles.createIndex({ category: 1, summary: "text" })).rejects.toMatchObject({
      code: 67, message: 'only one text index per collection allowed, found existing text index "search"',
    });
  });

  it("refuse weights outside (0, 100000) and unknown languages (67)", async () => {
    const coll = await fresh();

    await expect(coll.createIndex({ title: "text" }, { weights: { title: 0 } })).rejects.toMatchObject({ code: 67, message: expect.stringContaining("text index weight must be in the exclusive interval") });
    await expect(coll.createIndex({ title: "text" }, { default_language: "klingon" })).rejects.toMatchObject({ code: 67, message: "default_language is not valid" });
  });

  it("refuse a document whose language override is not a supported language (17262)", async () => {
    await expect(articles.insertOne({ _id: 99, title: "Qapla", language: "klingon" })).rejects.toMatchObject({ code: 17262, message: "language override unsupported: klingon" });
    expect(await articles.findOne({ _id: 99 })).toBeNull();
  });
});

describe("$text", () => {
  it("fails without a text index with IndexNotFound 27", async () => {
    const coll = await fresh();

    await expect(coll.find({ $text: { $search: "coffee" } }).toArray()).rejects.toMatchObject({ code: 27, message: "text index required for $text query" });
  });

  it("matches any term, by its stem, in any indexed field (arrays too)", async () => {
    expect(await search(articles, "cake")).toEqual([1, 2, 3]);
    expect(await search(articles, "running")).toEqual([4]);
    expect(await search(articles, "sport")).toEqual([4]);
  });

  it("ignores stop words: a search of stop words only finds nothing", async () => {
    expect(await search(articles, "the and is")).toEqual([]);
  });

  it("requires every quoted phrase, and excludes negated terms and phrases", async () => {
    expect(await search(articles, '"coffee shops"')).toEqual([1]);
    expect(await search(articles, "coffee -tea")).toEqual([1, 2]);
    expect(await search(articles, 'cakes -"bake a cake"')).toEqual([1, 3]);
  });

  it("ignores case and diacritics unless asked not to", async () => {
    expect(await search(articles, "cafe")).toEqual([5]);
    expect(await search(articles, "cafe", { $diacriticSensitive: true })).toEqual([]);
    expect(await search(articles, "Coffee", { $caseSensitive: true })).toEqual([1]);
  });

  it("stems with the index's language ($language \"none\" does not stem), and refuses a language the server lacks (BadValue 2)", async () => {
    const coll = await fresh([{ _id: 1, body: "Los niños corren en el parque" }]);
    await coll.createIndex({ body: "text" }, { default_language: "spanish" });

    expect(await search(coll, "corriendo")).toEqual([1]);
    expect(await search(coll, "corriendo", { $language: "none" })).toEqual([]);
    await expect(search(coll, "x", { $language: "klingon" })).rejects.toMatchObject({ code: 2, message: 'unsupported language: "klingon" for text index version 3' });
  });

  it("indexes each document in its own language_override language", async () => {
    const coll = await fresh([{ _id: 1, body: "corriendo", language: "spanish" }, { _id: 2, body: "corriendo" }]);
    await coll.createIndex({ body: "text" });

    expect(await search(coll, "corren", { $language: "spanish" })).toEqual([1]);
  });

  it("rejects a malformed $text with TypeMismatch 14 or BadValue 2", async () => {
    await expect(articles.find({ $text: { $search: 5 } } as Document).toArray()).rejects.toMatchObject({ code: 14, message: "$search requires a string value" });
    await expect(articles.find({ $text: { $search: "x", $extra: 1 } } as Document).toArray()).rejects.toMatchObject({ code: 2, message: "extra fields in $text" });
  });

  it("must stand at most once and not under $nor (BadValue 2)", async () => {
    const text = { $text: { $search: "coffee" } };

    await expect(articles.find({ $and: [text, text] }).toArray()).rejects.toMatchObject({ code: 2, message: "Too many text expressions" });
    await expect(articles.find({ $nor: [text] }).toArray()).rejects.toMatchObject({ code: 2, message: "text expression not allowed in nor" });
  });

  it("needs equality on the prefix fields of a compound text index (291)", async () => {
    const coll = await fresh([{ _id: 1, category: "food", body: "coffee" }, { _id: 2, category: "drink", body: "coffee" }]);
    await coll.createIndex({ category: 1, body: "text" });

    expect(ids(await coll.find({ category: "drink", $text: { $search: "coffee" } }).toArray())).toEqual([2]);
    await expect(coll.find({ $text: { $search: "coffee" } }).toArray()).rejects.toMatchObject({ code: 291 });
  });

  it("filters updates and counts", async () => {
    const coll = await fresh();
    await coll.createIndex({ title: "text", body: "text" });

    const updated = await coll.updateMany({ $text: { $search: "tea" } }, { $set: { hot: true } });

    expect(updated.modifiedCount).toBe(1);
    expect(await coll.countDocuments({ $text: { $search: "cakes" } })).toBe(3);
  });
});

describe("textScore", () => {
  it("is the server's score: a one-word field scores its weight, × 1.1 when the word is its own stem", async () => {
    const coll = await fresh([{ _id: 1, title: "Coffee" }, { _id: 2, title: "Tea", body: "tea tea cake" }]);
    await coll.createIndex({ title: "text", body: "text" }, { weights: { title: 3 } });

    const found = await coll.find({ $text: { $search: "coffee tea" } }, { projection: { score: { $meta: "textScore" } } }).sort({ _id: 1 }).toArray();

    // "Coffee" stems to "coffe": 3 × 1. "Tea" is its own stem: 3 × 1.1; in the body, tea occurs
    // twice in three words: (1 + 1/2) × (0.5 × 2/3 + 0.5).
    expect(found.map((doc) => doc.score)).toEqual([3, 3 * 1.1 + 1.5 * (0.5 * (2 / 3) + 0.5)]);
  });

  it("orders by relevance: field weights count, and so does a term's share of a field", async () => {
    const found = await articles.find({ $text: { $search: "coffee" } }, { projection: { score: { $meta: "textScore" } } }).sort({ score: { $meta: "textScore" } }).toArray();

    // The term in the title (weight 10) outranks it in bodies; in bodies, fewer words score higher.
    expect(ids(found)).toEqual([1, 2, 3]);
    expect(found[0].score).toBeGreaterThan(10 * 0.5);
    expect(found[1].score).toBeGreaterThan(found[2].score as number);
  });

  it("is unavailable without $text: projecting or sorting by it fails with 40218", async () => {
    await expect(articles.find({}, { projection: { score: { $meta: "textScore" } } }).toArray()).rejects.toMatchObject({ code: 40218 });
    await expect(articles.find({}).sort({ score: { $meta: "textScore" } }).toArray()).rejects.toMatchObject({ code: 40218 });
  });

  it("is readable in a pipeline whose first stage is the $text $match", async () => {
    const results = await articles.aggregate([
      { $match: { $text: { $search: "cake" } } },
      { $sort: { score: { $meta: "textScore" } } },
      { $project: { title: 1, score: { $meta: "textScore" } } },
    ]).toArray();

    expect(results.map((doc) => doc.title)).toEqual(["Baking cakes", "Coffee shops in Paris", "Tea rooms"]);
    expect(results[0].score).toBeGreaterThan(results[1].score);
  });

  it("needs the $text $match to be the first stage (17313)", async () => {
    await expect(articles.aggregate([{ $match: {} }, { $match: { $text: { $search: "cake" } } }]).toArray()).rejects.toMatchObject({ code: 17313 });
  });
});

describe.skipIf(Boolean(externalMongoUri()))("with --dbpath", () => {
  it("text, 2dsphere and vector search indexes survive a restart and answer queries", async () => {
    const dbpath = await tempDbpath();
    const first = await connectStandIn({ dbpath });
    const before = first.client.db("restart");
    const collection = (name: string) => before.collection<Article & { loc?: unknown; v?: number[] }>(name);
    await collection("articles").insertMany(ARTICLES.map((doc) => ({ ...doc })));
    await collection("articles").createIndex({ title: "text", body: "text" }, { weights: { title: 5 } });
    await collection("places").insertMany([{ _id: 1, loc: { type: "Point", coordinates: [2.35, 48.85] } }, { _id: 2, loc: { type: "Point", coordinates: [-0.13, 51.5] } }]);
    await collection("places").createIndex({ loc: "2dsphere" });
    await collection("media").insertMany([{ _id: 1, v: [1, 0] }, { _id: 2, v: [0, 1] }]);
    await collection("media").createSearchIndex({ name: "vec", type: "vectorSearch", definition: { fields: [{ type: "vector", path: "v", numDimensions: 2, similarity: "cosine" }] } });
    await first.stop();

    const second = await connectStandIn({ dbpath });
    try {
      const after = second.client.db("restart");
      const text = await after.collection("articles").find({ $text: { $search: "coffee" } }).sort({ _id: 1 }).toArray();
      const near = await after.collection("places").find({ loc: { $near: { $geometry: { type: "Point", coordinates: [0, 51] } } } }).toArray();
      const vectors = await after.collection("media").aggregate([{ $vectorSearch: { index: "vec", path: "v", queryVector: [0, 1], exact: true, limit: 1 } }]).toArray();

      expect(ids(text)).toEqual([1, 2, 3]);
      expect(ids(near)).toEqual([2, 1]);
      expect(ids(vectors)).toEqual([2]);
      expect((await after.collection("articles").listIndexes().toArray())[1]).toMatchObject({ key: { _fts: "text", _ftsx: 1 }, weights: { body: 1, title: 5 } });
    } finally {
      await second.stop();
    }
  });
});
