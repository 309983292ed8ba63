/**
 * `explain` shows the plan the stand-in really runs: an index scan (with its bounds) when the
 * planner picks an index, a collection scan otherwise, and the stages applied after it. With
 * executionStats the numbers come from running the read, so they differ with the plan.
 */
import { MongoClient, MongoServerError, type Db, type Document } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMongoStandIn, type MongoStandIn } from "#local/mongo/index.ts";

let standIn: MongoStandIn;
let client: MongoClient;
let db: Db;

type Person = { _id: number; email: string; age: number; name: string; loc?: Document; bio?: string };

beforeAll(async () => {
  standIn = await startMongoStandIn({ port: 0 });
  client = await MongoClient.connect(standIn.uri);
  db = client.db("explain");
  const people = db.collection<Person>("people");
  await people.insertMany(Array.from({ length: 50 }, (_, i) => ({ _id: i, email: `p${i}@example.com`, age: 20 + (i % 30), name: `person ${i}`, bio: i % 2 ? "loves sales calls" : "writes content" })));
  await people.createIndex({ email: 1 }, { unique: true });
  await people.createIndex({ age: 1 });
});

afterAll(async () => {
  await client.close();
  await standIn.stop();
});

const stages = (plan: Document): string[] => (plan ? [plan.stage, ...stages(plan.inputStage)] : []);
const people = () => db.collection<Person>("people");

describe("explain find", () => {
  it("shows FETCH over IXSCAN with the index name and point bounds for an indexed equality", async () => {
    const explained = await people().find({ email: "p7@example.com" }).explain("queryPlanner");
    const plan = explained.queryPlanner.winningPlan;

    expect(stages(plan)).toEqual(["FETCH", "IXSCAN"]);
    expect(plan.inputStage).toMatchObject({ indexName: "email_1", keyPattern: { email: 1 }, indexBounds: { email: ['["p7@example.com", "p7@example.com"]'] } });
  });

  it("shows range bounds for an indexed range", async () => {
    const explained = await people().find({ age: { $gt: 40 } }).explain("queryPlanner");

    expect(explained.queryPlanner.winningPlan.inputStage.indexBounds).toEqual({ age: ["(40, MaxKey]"] });
  });

  it("shows COLLSCAN with the filter for an unindexed field", async () => {
    const explained = await people().find({ name: "person 3" }).explain("queryPlanner");

    expect(explained.queryPlanner.winningPlan).toMatchObject({ stage: "COLLSCAN", filter: { name: "person 3" } });
  });

  it("puts SORT, LIMIT and projection above the scan", async () => {
    const explained = await people().find({ age: 30 }).sort({ name: 1 }).limit(3).project({ name: 1 }).explain("queryPlanner");

    expect(stages(explained.queryPlanner.winningPlan)).toEqual(["PROJECTION_SIMPLE", "SORT", "FETCH", "IXSCAN"]);
    expect(explained.queryPlanner.winningPlan.inputStage).toMatchObject({ sortPattern: { name: 1 }, limitAmount: 3 });
  });

  it("walks an index whose key begins with the sort pattern instead of sorting, forwards or backwards", async () => {
    const ascending = await people().find({}).sort({ age: 1 }).limit(5).explain("executionStats");
    const descending = await people().find({}).sort({ age: -1 }).limit(5).toArray();

    expect(stages(ascending.queryPlanner.winningPlan)).toEqual(["LIMIT", "FETCH", "IXSCAN"]);
    expect(ascending.executionStats.totalDocsExamined).toBe(5);
    expect(descending.map((person) => person.age)).toEqual([49, 48, 47, 46, 45]);
  });

  it("follows a hint, and refuses one that names no index", async () => {
    const hinted = await people().find({ name: "person 3" }).hint("age_1").explain("queryPlanner");

    expect(hinted.queryPlanner.winningPlan.inputStage).toMatchObject({ indexName: "age_1", indexBounds: { age: ["[MinKey, MaxKey]"] } });
    await expect(people().find({}).hint("nope_1").explain()).rejects.toMatchObject({ code: 2 });
  });

  it("reports what the read examined: one document through the index, every document in a scan", async () => {
    const indexed = await people().find({ email: "p7@example.com" }).explain("executionStats");
    const scanned = await people().find({ name: "person 7" }).explain("executionStats");

    expect(indexed.executionStats).toMatchObject({ nReturned: 1, totalDocsExamined: 1, totalKeysExamined: 1 });
    expect(scanned.executionStats).toMatchObject({ nReturned: 1, totalDocsExamined: 50, totalKeysExamined: 0 });
  });
});

describe("explain other commands", () => {
  it("wraps the scan in COUNT for count", async () => {
    const explained = await db.command({ explain: { count: "people", query: { age: 25 } }, verbosity: "queryPlanner" });

    expect(stages(explained.queryPlanner.winningPlan)).toEqual(["COUNT", "FETCH", "IXSCAN"]);
  });

  it("wraps the scan in UPDATE and DELETE, and changes nothing", async () => {
    const update = await db.command({ explain: { update: "people", updates: [{ q: { email: "p1@example.com" }, u: { $set: { name: "changed" } } }] }, verbosity: "executionStats" });
    const remove = await db.command({ explain: { delete: "people", deletes: [{ q: { name: "person 2" }, limit: 1 }] }, verbosity: "queryPlanner" });

    expect(stages(update.queryPlanner.winningPlan)).toEqual(["UPDATE", "FETCH", "IXSCAN"]);
    expect(stages(remove.queryPlanner.winningPlan)).toEqual(["DELETE", "COLLSCAN"]);
    expect(await people().countDocuments({ name: "changed" })).toBe(0);
    expect(await people().countDocuments()).toBe(50);
  });

  it("shows an aggregation's leading $match read through the index, then the rest of the pipeline", async () => {
    const explained = await people().aggregate([{ $match: { age: 21 } }, { $group: { _id: "$age", n: { $sum: 1 } } }]).explain("queryPlanner");

    expect(stages(explained.stages[0].$cursor.queryPlanner.winningPlan)).toEqual(["FETCH", "IXSCAN"]);
    expect(Object.keys(explained.stages[1])).toEqual(["$group"]);
  });

  it("shows GEO_NEAR_2DSPHERE for $near and TEXT_MATCH for $text", async () => {
    const places = db.collection("places");
    await places.insertOne({ loc: { type: "Point", coordinates: [2.35, 48.85] }, text: "bakery" });
    await places.createIndex({ loc: "2dsphere" });
    await places.createIndex({ text: "text" });

    const near = await places.find({ loc: { $near: { $geometry: { type: "Point", coordinates: [2.3, 48.8] } } } }).explain("queryPlanner");
    const text = await places.find({ $text: { $search: "bakery" } }).explain("queryPlanner");

    expect(near.queryPlanner.winningPlan).toMatchObject({ stage: "GEO_NEAR_2DSPHERE", indexName: "loc_2dsphere" });
    expect(text.queryPlanner.winningPlan).toMatchObject({ stage: "TEXT_MATCH", indexName: "text_text" });
  });

  it("refuses an unknown command (59) and an unknown verbosity (2)", async () => {
    const code = (command: Document) => db.command(command).then(() => 0, (error: MongoServerError) => error.code);

    expect(await code({ explain: { frobnicate: "people" } })).toBe(59);
    expect(await code({ explain: { find: "people" }, verbosity: "everything" })).toBe(2);
  });
});
