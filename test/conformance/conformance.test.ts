import { readFile } from "node:fs/promises";
import { MongoClient } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RUNNER_CLIENT_OPTIONS } from "./entities.ts";
import { loadTestFiles } from "./files.ts";
import { formatResult, runConformance, skipReasonFor, type ConformanceReport } from "./runner.ts";
import { readServerProfile } from "./requirements.ts";
import { externalMongoUri } from "#test/helpers/mongo.ts";
import { type ConformanceServer, DEFAULT_CONFORMANCE_DIR, startConformanceServer } from "./server.ts";

// Runs MongoDB's CRUD specification tests against the local stand-in (or MONGODB_URI) and holds
// the pass count at or above the floor the lead engineer maintains in floor.json.

const RUN_TIMEOUT_MS = 15 * 60_000;

describe("MongoDB CRUD conformance", () => {
  let server: ConformanceServer;
  let report: ConformanceReport;

  beforeAll(async () => {
    server = await startConformanceServer(externalMongoUri());
    report = await runConformance({ dir: DEFAULT_CONFORMANCE_DIR, uri: server.uri });
  }, RUN_TIMEOUT_MS);

  afterAll(async () => {
    await server?.stop();
  });

  it("passes at least as many tests as the floor", async () => {
    const floor = JSON.parse(await readFile(new URL("./floor.json", import.meta.url), "utf8")) as { passed: number };
    const failures = report.results.filter((result) => result.status === "failed").map(formatResult);
    expect(
      report.passed,
      `${report.passed} passed, below the floor of ${floor.passed}; ${failures.length} failed:\n${failures.join("\n")}`,
    ).toBeGreaterThanOrEqual(floor.passed);
  });

  it("skips exactly the tests the skip rules exclude, each with a reason", async () => {
    const client = new MongoClient(server.uri, RUNNER_CLIENT_OPTIONS);
    let expectedSkips = 0;
    let total = 0;
    try {
      const profile = await readServerProfile(client, server.uri);
      for (const loaded of await loadTestFiles(DEFAULT_CONFORMANCE_DIR)) {
        for (const test of loaded.content?.tests ?? []) {
          total++;
          if ((await skipReasonFor(loaded.fileName, loaded.content!, test, profile)) !== undefined) expectedSkips++;
        }
      }
    } finally {
      await client.close();
    }
    const skipped = report.results.filter((result) => result.status === "skipped");
    expect(skipped.filter((result) => !result.reason)).toEqual([]);
    expect(report.skipped).toBe(expectedSkips);
    expect(report.passed + report.failed + report.skipped).toBe(total);
  });
});
