// The parts of the unified test format ([UTF §Test Format]) this runner reads. Values come from
// Extended JSON, so documents are plain objects whose leaves may be BSON wrapper classes.

export type Document = Record<string, unknown>;

export interface RunOnRequirement {
  minServerVersion?: string;
  maxServerVersion?: string;
  topologies?: string[];
  serverless?: "require" | "forbid" | "allow";
  serverParameters?: Document;
  auth?: boolean;
  authMechanism?: string;
  csfle?: boolean | Document;
  [key: string]: unknown;
}

export interface CollectionData {
  databaseName: string;
  collectionName: string;
  documents: Document[];
  createOptions?: Document;
}

export interface ClientEntity {
  id: string;
  uriOptions?: Document;
  useMultipleMongoses?: boolean;
  observeEvents?: string[];
  ignoreCommandMonitoringEvents?: string[];
  observeSensitiveCommands?: boolean;
  [key: string]: unknown;
}

export interface DatabaseEntity {
  id: string;
  client: string;
  databaseName: string;
  databaseOptions?: Document;
}

export interface CollectionEntity {
  id: string;
  database: string;
  collectionName: string;
  collectionOptions?: Document;
}

export type EntityDescription =
  | { client: ClientEntity }
  | { database: DatabaseEntity }
  | { collection: CollectionEntity }
  | Record<string, { id: string }>;

export interface ExpectedError {
  isError?: true;
  isClientError?: boolean;
  isTimeoutError?: boolean;
  errorContains?: string;
  errorCode?: number;
  errorCodeName?: string;
  errorLabelsContain?: string[];
  errorLabelsOmit?: string[];
  writeErrors?: Document;
  writeConcernErrors?: Document[];
  errorResponse?: Document;
  expectResult?: unknown;
}

export interface Operation {
  name: string;
  object: string;
  arguments?: Document;
  ignoreResultAndError?: boolean;
  expectError?: ExpectedError;
  expectResult?: unknown;
  saveResultAsEntity?: string;
}

export interface ExpectedCommandEvent {
  commandStartedEvent?: { command?: Document; commandName?: string; databaseName?: string; hasServiceId?: boolean; hasServerConnectionId?: boolean };
  commandSucceededEvent?: { reply?: Document; commandName?: string; databaseName?: string; hasServiceId?: boolean; hasServerConnectionId?: boolean };
  commandFailedEvent?: { commandName?: string; databaseName?: string; hasServiceId?: boolean; hasServerConnectionId?: boolean };
}

export interface ExpectedEventsForClient {
  client: string;
  eventType?: string;
  events: ExpectedCommandEvent[];
  ignoreExtraEvents?: boolean;
}

export interface TestCase {
  description: string;
  runOnRequirements?: RunOnRequirement[];
  skipReason?: string;
  operations: Operation[];
  expectEvents?: ExpectedEventsForClient[];
  outcome?: CollectionData[];
}

export interface TestFile {
  description: string;
  schemaVersion: string;
  runOnRequirements?: RunOnRequirement[];
  createEntities?: EntityDescription[];
  initialData?: CollectionData[];
  tests: TestCase[];
}

export type TestStatus = "passed" | "failed" | "skipped";

export interface TestResult {
  file: string;
  test: string;
  status: TestStatus;
  reason?: string;
}
