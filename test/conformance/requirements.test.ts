import { describe, expect, it } from "vitest";
import { isSchemaVersionSupported, loadTestFiles, parseTestFile } from "./files.ts";
import type { TestFile } from "./format.ts";
import { compareVersions, parseVersion, type ServerProfile, unmetRequirements } from "./requirements.ts";
import { skipReasonFor } from "./runner.ts";
import { DEFAULT_CONFORMANCE_DIR } from "./server.ts";
import { EXPLICIT_SKIPS } from "./skips.ts";

const standalone80: ServerProfile = {
  version: [8, 0, 4],
  topology: "single",
  serverless: false,
  auth: false,
  getParameter: async (name) => (name === "enableTestCommands" ? 1 : undefined),
};

describe("versions", () => {
  it("pads missing parts with 0 and drops pre-release suffixes", () => {
    expect(parseVersion("4.99")).toEqual([4, 99, 0]);
    expect(parseVersion("5")).toEqual([5, 0, 0]);
    expect(parseVersion("4.9.0-alpha4-271-g7d5cf02")).toEqual([4, 9, 0]);
    expect(parseVersion("x.1")).toBeUndefined();
    expect(compareVersions([4, 0, 10], [4, 0, 9])).toBeGreaterThan(0);
    expect(compareVersions([3, 6, 0], [4, 2, 0])).toBeLessThan(0);
  });

  it("supports schema versions 1.0 up to 1.12", () => {
    expect(isSchemaVersionSupported("1.0")).toBe(true);
    expect(isSchemaVersionSupported("1.4")).toBe(true);
    expect(isSchemaVersionSupported("1.12")).toBe(true);
    expect(isSchemaVersionSupported("1.13")).toBe(false);
    expect(isSchemaVersionSupported("1.21")).toBe(false);
    expect(isSchemaVersionSupported("2.0")).toBe(false);
  });
});

describe("runOnRequirements", () => {
  const unmet = (requirements: Parameters<typeof unmetRequirements>[0]) => unmetRequirements(requirements, standalone80);

  it("treats both version bounds as inclusive", async () => {
    expect(await unmet([{ minServerVersion: "8.0.4" }])).toBeUndefined();
    expect(await unmet([{ maxServerVersion: "8.0.4" }])).toBeUndefined();
    expect(await unmet([{ minServerVersion: "8.2.0" }])).toBe("needs server >= 8.2.0 (server is 8.0.4)");
    expect(await unmet([{ maxServerVersion: "7.99" }])).toBe("needs server <= 7.99 (server is 8.0.4)");
    expect(await unmet([{ maxServerVersion: "8.1.99" }])).toBeUndefined();
  });

  it("is satisfied by any one element, and by an absent list", async () => {
    expect(await unmet(undefined)).toBeUndefined();
    expect(await unmet([{ minServerVersion: "9.0" }, { topologies: ["single", "replicaset"] }])).toBeUndefined();
    expect(await unmet([{ minServerVersion: "9.0" }, { topologies: ["sharded"] }])).toMatch(/needs server >= 9.0.*; or needs topology sharded/);
  });

  it("evaluates topology, serverless, auth and server parameters", async () => {
    expect(await unmet([{ topologies: ["replicaset", "sharded-replicaset"] }])).toMatch(/needs topology/);
    expect(await unmet([{ serverless: "forbid" }])).toBeUndefined();
    expect(await unmet([{ serverless: "allow" }])).toBeUndefined();
    expect(await unmet([{ serverless: "require" }])).toBe("needs serverless");
    expect(await unmet([{ auth: false }])).toBeUndefined();
    expect(await unmet([{ auth: true }])).toBe("needs authentication");
    expect(await unmet([{ serverParameters: { enableTestCommands: 1.0 } }])).toBeUndefined();
    expect(await unmet([{ serverParameters: { enableTestCommands: 2 } }])).toMatch(/server parameter enableTestCommands/);
    expect(await unmet([{ serverParameters: { unknownParameter: true } }])).toMatch(/server has \(absent\)/);
  });
});

describe("loading test files", () => {
  const file = (content: object) => JSON.stringify({ description: "f", schemaVersion: "1.0", tests: [], ...content });

  it("rejects duplicate test descriptions", () => {
    const loaded = parseTestFile("dup.json", file({ tests: [{ description: "a", operations: [] }, { description: "a", operations: [] }] }));
    expect(loaded.error).toBe('duplicate test description "a"');
    expect(loaded.testDescriptions).toEqual(["a", "a"]);
  });

  it("fails every test of a file whose schema version is too new", () => {
    const loaded = parseTestFile("new.json", file({ schemaVersion: "1.21", tests: [{ description: "a", operations: [] }] }));
    expect(loaded.error).toMatch(/schemaVersion 1.21 is not supported/);
    expect(loaded.testDescriptions).toEqual(["a"]);
  });

  it("parses canonical Extended JSON", () => {
    const loaded = parseTestFile("x.json", file({ tests: [{ description: "a", operations: [], outcome: [{ n: { $numberLong: "1" } }] }] }));
    expect(loaded.error).toBeUndefined();
    expect(loaded.content?.tests[0].outcome).toEqual([{ n: 1 }]);
  });

  it("reports a file that is not JSON", () => {
    expect(parseTestFile("bad.json", "{").error).toMatch(/not valid Extended JSON/);
  });
});

describe("the CRUD corpus against an 8.0 standalone", async () => {
  const files = await loadTestFiles(DEFAULT_CONFORMANCE_DIR);
  const decisions: Array<{ file: string; test: string; reason: string | undefined }> = [];
  for (const loaded of files) {
    for (const test of loaded.content?.tests ?? []) {
      decisions.push({ file: loaded.fileName, test: test.description, reason: await skipReasonFor(loaded.fileName, loaded.content as TestFile, test, standalone80) });
    }
  }

  it("loads every file", () => {
    expect(files.filter((loaded) => loaded.error)).toEqual([]);
  });

  it("skips every test of README's explicit list, with its reason", () => {
    for (const skip of EXPLICIT_SKIPS) {
      expect(decisions).toContainEqual({ file: skip.file, test: skip.test, reason: skip.reason });
    }
  });

  it("skips the tests that need another server version, and nothing else", () => {
    const skipped = decisions.filter((decision) => decision.reason !== undefined);
    const other = skipped.filter(({ reason }) => !/runOnRequirements not met|NODE-64|failPoint|clientBulkWrite/.test(reason!));
    expect(other).toEqual([]);
    expect(decisions.length - skipped.length).toBeGreaterThan(200);
  });
});
