import { MongoClient, ReadPreference } from "mongodb";
import { closeClient, createEntities, EntityMap, RUNNER_CLIENT_OPTIONS } from "./entities.ts";
import { describeErrorMismatch, summarizeError } from "./errors.ts";
import { describeEventsMismatch } from "./events.ts";
import { loadTestFiles, type LoadedFile } from "./files.ts";
import type { CollectionData, Operation, TestCase, TestFile, TestResult } from "./format.ts";
import { describeMismatch, describeOutcomeMismatch, formatValue } from "./match.ts";
import { findOperation, prepareArguments, toResultDocument } from "./operations.ts";
import { readServerProfile, type ServerProfile, unmetRequirements } from "./requirements.ts";
import { explicitSkipReason, outOfScopeReason } from "./skips.ts";

export interface ConformanceOptions {
  dir: string;
  uri: string;
  /** Match with the Node driver's matcher deviations instead of the strict spec rules. */
  lenient?: boolean;
  /** Runs only tests whose "<file> › <test>" contains this substring. */
  filter?: string;
  /** Receives one formatted line per finished test. */
  log?: (line: string) => void;
  /** Per-test time limit in milliseconds. */
  testTimeoutMS?: number;
}

export interface ConformanceReport {
  results: TestResult[];
  passed: number;
  failed: number;
  skipped: number;
}

const MAJORITY = { writeConcern: { w: "majority" as const } };

export async function runConformance(options: ConformanceOptions): Promise<ConformanceReport> {
  const files = await loadTestFiles(options.dir);
  const results: TestResult[] = [];
  const record = (result: TestResult): void => {
    results.push(result);
    options.log?.(formatResult(result));
  };
  const internalClient = new MongoClient(options.uri, RUNNER_CLIENT_OPTIONS);
  try {
    const server = await readServerProfile(internalClient, options.uri);
    for (const loaded of files) {
      for (const test of selectedTests(loaded, options.filter)) {
        if (loaded.error !== undefined || loaded.content === undefined) {
          record({ file: loaded.fileName, test, status: "failed", reason: loaded.error });
          continue;
        }
        const testCase = loaded.content.tests.find((candidate) => candidate.description === test)!;
        const skipReason = await skipReasonFor(loaded.fileName, loaded.content, testCase, server);
        if (skipReason !== undefined) {
          record({ file: loaded.fileName, test, status: "skipped", reason: skipReason });
          continue;
        }
        const failure = await runTest(loaded.content, testCase, internalClient, options);
        record({ file: loaded.fileName, test, status: failure === undefined ? "passed" : "failed", reason: failure });
      }
    }
  } finally {
    await closeClient(internalClient);
  }
  const count = (status: TestResult["status"]): number => results.filter((result) => result.status === status).length;
  return { results, passed: count("passed"), failed: count("failed"), skipped: count("skipped") };
}

export function formatResult({ file, test, status, reason }: TestResult): string {
  const label = status === "skipped" ? "skipped" : `${status} `;
  return `${label} ${file} › ${test}${reason ? `: ${reason}` : ""}`;
}

function selectedTests(loaded: LoadedFile, filter: string | undefined): string[] {
  // A file that cannot be read at all still shows up as one failed entry.
  const tests = loaded.error !== undefined && loaded.testDescriptions.length === 0 ? ["(file)"] : loaded.testDescriptions;
  return filter ? tests.filter((test) => `${loaded.fileName} › ${test}`.includes(filter)) : tests;
}

/** Why a test does not run against this server, or undefined when it runs. */
export async function skipReasonFor(fileName: string, file: TestFile, test: TestCase, server: ServerProfile): Promise<string | undefined> {
  if (test.skipReason !== undefined) return `skipReason: ${test.skipReason}`;
  const explicit = explicitSkipReason(fileName, test.description);
  if (explicit !== undefined) return explicit;
  const outOfScope = outOfScopeReason(test.operations);
  if (outOfScope !== undefined) return outOfScope;
  const fileUnmet = await unmetRequirements(file.runOnRequirements, server);
  if (fileUnmet !== undefined) return `file runOnRequirements not met: ${fileUnmet}`;
  const testUnmet = await unmetRequirements(test.runOnRequirements, server);
  if (testUnmet !== undefined) return `runOnRequirements not met: ${testUnmet}`;
  return undefined;
}

/** Runs one test ([UTF §Executing a Test]); returns why it failed, or undefined when it passed. */
async function runTest(file: TestFile, test: TestCase, internalClient: MongoClient, options: ConformanceOptions): Promise<string | undefined> {
  const entities = new EntityMap();
  let step = "initialData";
  let timer: NodeJS.Timeout | undefined;
  const timeoutMS = options.testTimeoutMS ?? 20_000;
  const execute = async (): Promise<string | undefined> => {
    const prefixed = (failure: string | undefined): string | undefined => (failure === undefined ? undefined : `${step}: ${failure}`);
    for (const data of file.initialData ?? []) await dropCollections(internalClient, data);
    for (const data of file.initialData ?? []) await createInitialData(internalClient, data);
    step = "createEntities";
    await createEntities(file.createEntities ?? [], options.uri, entities);
    for (const [index, operation] of test.operations.entries()) {
      step = `operation ${index + 1} (${operation.name} on ${operation.object})`;
      const failure = await executeOperation(operation, entities, options.lenient);
      if (failure !== undefined) return prefixed(failure);
    }
    entities.stopCapturingEvents();
    for (const expected of test.expectEvents ?? []) {
      step = "expectEvents";
      const recorder = entities.get(expected.client, "client").recorder;
      if (recorder === undefined) return prefixed(`client ${expected.client} does not observe events`);
      const failure = describeEventsMismatch(expected, recorder.events, { lenient: options.lenient });
      if (failure !== undefined) return prefixed(failure);
    }
    for (const data of test.outcome ?? []) {
      step = "outcome";
      const failure = await describeCollectionMismatch(internalClient, data, options.lenient);
      if (failure !== undefined) return prefixed(failure);
    }
    return undefined;
  };
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => {
      resolve(`${step}: timed out after ${timeoutMS} ms`);
    }, timeoutMS);
  });
  try {
    return await Promise.race([execute().catch((error: unknown) => `${step}: ${summarizeError(error)}`), timeout]);
  } finally {
    clearTimeout(timer);
    entities.stopCapturingEvents();
    await entities.close();
  }
}

/** Runs one operation and checks its result or error ([UTF §Executing an Operation]). */
export async function executeOperation(operation: Operation, entities: EntityMap, lenient?: boolean): Promise<string | undefined> {
  if (operation.object === "testRunner") throw new Error(`unsupported test runner operation ${operation.name}`);
  const targetType = entities.typeOf(operation.object);
  if (targetType === undefined) throw new Error(`unknown entity ${operation.object}`);
  const spec = findOperation(targetType, operation.name);
  if (spec === undefined) throw new Error(`unsupported operation ${operation.name} on a ${targetType}`);
  if (operation.saveResultAsEntity !== undefined) throw new Error("saveResultAsEntity is not supported");
  const { required, options } = prepareArguments(operation.name, spec, operation.arguments);
  const target = spec.target === "collection" ? entities.get(operation.object, "collection").collection : entities.get(operation.object, "database").db;

  let result: unknown;
  try {
    result = await spec.run(target as never, required, options);
  } catch (error) {
    if (operation.ignoreResultAndError) return undefined;
    if (operation.expectError) return describeErrorMismatch(operation.expectError, error, { lenient });
    return `unexpected error ${summarizeError(error)}`;
  }
  if (operation.ignoreResultAndError) return undefined;
  if (operation.expectError) return `expected an error, but it succeeded with ${formatValue(toResultDocument(result))}`;
  if (!Object.hasOwn(operation, "expectResult")) return undefined;
  const failure = describeMismatch(operation.expectResult, toResultDocument(result), {
    lenient,
    root: true,
    elementsAreRoots: spec.returnsRootDocuments,
  });
  return failure === undefined ? undefined : `expectResult ${failure}`;
}

async function dropCollections(client: MongoClient, { databaseName, collectionName }: CollectionData): Promise<void> {
  const db = client.db(databaseName);
  // Queryable encryption's state collections go with the collection ([UTF §Executing a Test]).
  const names = [collectionName, `enxcol_.${collectionName}.esc`, `enxcol_.${collectionName}.ecoc`];
  const existing = await db.listCollections({ name: { $in: names } }, { nameOnly: true }).toArray();
  for (const { name } of existing) {
    if (!(await db.dropCollection(name, MAJORITY))) throw new Error(`dropping ${databaseName}.${name} returned false`);
  }
}

async function createInitialData(client: MongoClient, { databaseName, collectionName, documents, createOptions }: CollectionData): Promise<void> {
  const db = client.db(databaseName);
  if (createOptions !== undefined || documents.length === 0) {
    await db.createCollection(collectionName, { ...createOptions, ...MAJORITY });
  }
  if (documents.length > 0) {
    await db.collection(collectionName).insertMany(documents.map((document) => ({ ...document })), MAJORITY);
  }
}

async function describeCollectionMismatch(client: MongoClient, data: CollectionData, lenient?: boolean): Promise<string | undefined> {
  const collection = client.db(data.databaseName).collection(data.collectionName, {
    readPreference: ReadPreference.primary,
    readConcern: { level: "local" },
  });
  const documents = await collection.find({}, { sort: { _id: 1 } }).toArray();
  return describeOutcomeMismatch(data.documents, documents, { lenient, path: `${data.databaseName}.${data.collectionName}` });
}
