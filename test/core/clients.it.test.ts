/**
 * The container's clients are built from configuration and reach the test stack: MongoDB (a
 * database per system, under the file's prefix), Redis through the Upstash REST bridge, S3.
 */
import { describe, expect, it } from "vitest";
import { redis } from "#core/cache/redis.ts";
import { database, databaseName, mongoClient } from "#core/db/client.ts";
import { buckets, s3 } from "#core/storage/client.ts";
import { getObjectBytes, putObject } from "#core/storage/objects.ts";

describe("core clients", () => {
  it("gives each system its documented database, behind the configured prefix", async () => {
    await database("ai-calling").collection("probe").insertOne({ ok: true });

    const names = (await mongoClient().db("admin").admin().listDatabases({ nameOnly: true })).databases.map((db) => db.name);

    expect(databaseName("ai-calling")).toMatch(/^t[0-9a-f]{6}_ai-calling-platform$/);
    expect(databaseName("car-sales")).toMatch(/_car-sales-assistant$/);
    expect(names).toContain(databaseName("ai-calling"));
  });

  it("reuses one MongoClient for every call", () => {
    expect(mongoClient()).toBe(mongoClient());
  });

  it("reaches Redis over REST", async () => {
    await redis().set("test:clients:greeting", { hello: "world" }, { ex: 30 });

    expect(await redis().get("test:clients:greeting")).toEqual({ hello: "world" });
  });

  it("reaches the configured buckets", async () => {
    const key = `test/clients/${Date.now()}.txt`;
    await putObject({ client: s3(), bucket: buckets().recordings, key, body: "stored", contentType: "text/plain" });

    expect(Buffer.from(await getObjectBytes({ client: s3(), bucket: buckets().recordings, key })).toString()).toBe("stored");
  });
});
