// Tests excluded from the conformance run. The explicit list is README.md's table, verbatim: tests
// that need a fail point or that the Node driver itself fails against real servers.

export interface ExplicitSkip {
  file: string;
  test: string;
  reason: string;
}

const NODE_6484 = "node driver known failure NODE-6484";
const NODE_6468 = "node driver known failure NODE-6468";

export const EXPLICIT_SKIPS: readonly ExplicitSkip[] = [
  { file: "bypassDocumentValidation.json", test: "Aggregate with $out passes bypassDocumentValidation: false", reason: NODE_6484 },
  { file: "bypassDocumentValidation.json", test: "BulkWrite passes bypassDocumentValidation: false", reason: NODE_6484 },
  { file: "bypassDocumentValidation.json", test: "FindOneAndReplace passes bypassDocumentValidation: false", reason: NODE_6484 },
  { file: "bypassDocumentValidation.json", test: "FindOneAndUpdate passes bypassDocumentValidation: false", reason: NODE_6484 },
  { file: "bypassDocumentValidation.json", test: "InsertMany passes bypassDocumentValidation: false", reason: NODE_6484 },
  { file: "create-null-ids.json", test: "inserting _id with type null via insertOne", reason: NODE_6468 },
  { file: "create-null-ids.json", test: "inserting _id with type null via insertMany", reason: NODE_6468 },
  { file: "create-null-ids.json", test: "inserting _id with type null via bulkWrite", reason: NODE_6468 },
  { file: "create-null-ids.json", test: "inserting _id with type null via clientBulkWrite", reason: `clientBulkWrite; ${NODE_6468}` },
  { file: "estimatedDocumentCount.json", test: "estimatedDocumentCount errors correctly--command error", reason: "failPoint" },
  { file: "estimatedDocumentCount.json", test: "estimatedDocumentCount errors correctly--socket error", reason: "failPoint" },
];

/** Operations outside the conformance scope; a test using any of them is skipped. */
export const OUT_OF_SCOPE_OPERATIONS: ReadonlyMap<string, string> = new Map([
  ["testRunner.failPoint", "uses the failPoint test runner operation (fail points are out of scope)"],
  ["testRunner.targetedFailPoint", "uses the targetedFailPoint test runner operation (fail points are out of scope)"],
  ["*.clientBulkWrite", "uses the clientBulkWrite operation (out of scope)"],
]);

export function explicitSkipReason(file: string, test: string): string | undefined {
  return EXPLICIT_SKIPS.find((skip) => skip.file === file && skip.test === test)?.reason;
}

export function outOfScopeReason(operations: ReadonlyArray<{ name: string; object: string }>): string | undefined {
  for (const { name, object } of operations) {
    const reason = OUT_OF_SCOPE_OPERATIONS.get(`${object}.${name}`) ?? (object === "testRunner" ? undefined : OUT_OF_SCOPE_OPERATIONS.get(`*.${name}`));
    if (reason) return reason;
  }
  return undefined;
}
