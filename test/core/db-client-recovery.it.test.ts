/**
 * A container whose first database connection fails (a blip at cold start) must not keep the
 * dead client: the driver leaves it closed for good, so `mongoClient()` builds a new one.
 */
import { afterAll, describe, expect, it } from "vitest";

process.env.MONGODB_URI = "mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=200&connectTimeoutMS=200";
const { closeMongoClient, mongoClient } = await import("#core/db/client.ts");
const { withDriverErrors } = await import("#core/db/errors.ts");
const { UnavailableError } = await import("#core/errors.ts");

afterAll(async () => {
  await closeMongoClient();
});

describe("mongoClient after a failed first connection", () => {
  it("reports the outage as unavailable and hands out a fresh client next time", async () => {
    const first = mongoClient();

    const failure = await withDriverErrors(() => first.db("x").collection("y").findOne({})).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(UnavailableError);
    expect(mongoClient()).not.toBe(first);
  });
});
