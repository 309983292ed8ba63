/**
 * Retryable writes: a write command sent with `lsid` and `txnNumber` (and no `autocommit`) is
 * applied at most once. The outcome of each statement it applied is kept under the session's
 * txnNumber; the same command sent again (the driver retries after a network error) reports
 * those statements from the record, listed in `retriedStmtIds`, and runs only the others.
 * A newer txnNumber on the session replaces the record.
 */
import type { Document } from "bson";
import { isNumeric, toNumber } from "../bson-values.ts";

export class RetryableWrites {
  readonly txnNumber: number;
  private readonly outcomes = new Map<number, unknown>();

  constructor(txnNumber: number) {
    this.txnNumber = txnNumber;
  }

  /** What the statement produced when it was applied, or undefined if it was not. */
  outcome<T>(stmtId: number): T | undefined {
    return this.outcomes.get(stmtId) as T | undefined;
  }

  record(stmtId: number, outcome: unknown): void {
    this.outcomes.set(stmtId, outcome);
  }
}

/** One write command's statements against its session's record. */
export interface RetryContext {
  readonly record: RetryableWrites;
  /** The statement id of the statement at `index`, as the server assigns it. */
  stmtId(index: number): number;
}

/** Statement ids: `stmtIds[i]` when given, else `stmtId + i`, else the statement's index. */
export function retryContext(record: RetryableWrites, command: Document): RetryContext {
  const ids = Array.isArray(command.stmtIds) ? command.stmtIds.map((id: unknown) => toNumber(id)) : undefined;
  const first = isNumeric(command.stmtId) ? toNumber(command.stmtId) : 0;
  return { record, stmtId: (index) => ids?.[index] ?? first + index };
}
