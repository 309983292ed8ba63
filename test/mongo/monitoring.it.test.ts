/**
 * The driver monitors a server that reports a `topologyVersion` with awaitable `hello` streamed
 * under `exhaustAllowed`. The stand-in must keep that stream alive: a failed heartbeat clears the
 * connection pool and fails whatever operation was waiting for a connection.
 */
import { MongoClient } from "mongodb";
import { describe, expect, it } from "vitest";
import { startMongoStandIn } from "#local/mongo/index.ts";

describe("server monitoring", () => {
  it("answers the streaming monitor with awaited heartbeats and never clears the pool", async () => {
    const standIn = await startMongoStandIn({ port: 0 });
    const client = new MongoClient(standIn.uri, { heartbeatFrequencyMS: 300 });
    const events: string[] = [];
    client.on("serverHeartbeatSucceeded", (event) => events.push(event.awaited ? "awaited" : "polled"));
    client.on("serverHeartbeatFailed", () => events.push("failed"));
    client.on("connectionPoolCleared", () => events.push("cleared"));

    await client.connect();
    for (let i = 0; i < 6; i++) {
      await client.db("monitoring").collection("probe").findOne({});
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    await client.close();
    await standIn.stop();

    expect(events).not.toContain("failed");
    expect(events).not.toContain("cleared");
    expect(events.filter((event) => event === "awaited").length).toBeGreaterThanOrEqual(3);
  });
});
