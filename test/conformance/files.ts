import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { EJSON } from "bson";
import type { TestFile } from "./format.ts";
import { compareVersions, parseVersion } from "./requirements.ts";

/** The newest schema version this runner implements ([UTF §Schema Version]). */
export const SUPPORTED_SCHEMA_VERSION = "1.12";

export interface LoadedFile {
  fileName: string;
  /** Test descriptions, recovered when possible even from a file that cannot run. */
  testDescriptions: string[];
  content?: TestFile;
  /** Why none of the file's tests can run. */
  error?: string;
}

export async function loadTestFiles(dir: string): Promise<LoadedFile[]> {
  const names = (await readdir(dir)).filter((name) => name.endsWith(".json")).sort();
  return Promise.all(names.map(async (name) => parseTestFile(name, await readFile(join(dir, name), "utf8"))));
}

export function parseTestFile(fileName: string, text: string): LoadedFile {
  let parsed: unknown;
  try {
    parsed = EJSON.parse(text, { relaxed: true });
  } catch (error) {
    return { fileName, testDescriptions: [], error: `not valid Extended JSON: ${(error as Error).message}` };
  }
  const file = parsed as TestFile;
  const tests: unknown[] = Array.isArray(file?.tests) ? file.tests : [];
  const testDescriptions = tests.map((test, index) => describeTest(test, index));
  const error = structureError(file) ?? schemaVersionError(file.schemaVersion) ?? duplicateError(testDescriptions);
  return error ? { fileName, testDescriptions, error } : { fileName, testDescriptions, content: file };
}

export function isSchemaVersionSupported(version: string): boolean {
  const parsed = parseVersion(version);
  const supported = parseVersion(SUPPORTED_SCHEMA_VERSION)!;
  return parsed !== undefined && parsed[0] === supported[0] && compareVersions(parsed, supported) <= 0;
}

function describeTest(test: unknown, index: number): string {
  const description = (test as { description?: unknown } | null)?.description;
  return typeof description === "string" ? description : `(test #${index + 1} without a description)`;
}

function structureError(file: TestFile): string | undefined {
  if (file === null || typeof file !== "object") return "the file is not a document";
  if (typeof file.schemaVersion !== "string") return "schemaVersion is missing";
  if (!Array.isArray(file.tests)) return "tests is missing";
  for (const [index, test] of file.tests.entries()) {
    if (typeof test?.description !== "string") return `test #${index + 1} has no description`;
    if (!Array.isArray(test.operations)) return `test "${test.description}" has no operations`;
  }
  return undefined;
}

function schemaVersionError(version: string): string | undefined {
  if (isSchemaVersionSupported(version)) return undefined;
  return `schemaVersion ${version} is not supported (this runner supports 1.0 to ${SUPPORTED_SCHEMA_VERSION})`;
}

function duplicateError(descriptions: string[]): string | undefined {
  const seen = new Set<string>();
  for (const description of descriptions) {
    if (seen.has(description)) return `duplicate test description "${description}"`;
    seen.add(description);
  }
  return undefined;
}
