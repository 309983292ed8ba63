/**
 * Running the statements of a write command (insert, update, delete) one by one: a failure is
 * recorded as a write error with its index, and an ordered batch stops at the first one.
 * In a transaction every batch stops at its first error (which aborts the transaction), and a
 * write conflict fails the whole command so that it carries its label. In a retryable write,
 * statements the session's record shows applied are reported from it, not applied again.
 */
import type { Document } from "bson";
import { CommandError, ErrorCodes } from "../errors.ts";
import { isTransientTransactionError } from "../transactions/errors.ts";
import type { CommandContext } from "./context.ts";

/** What one statement did: documents matched (or inserted, deleted), modified, and an upserted `_id`. */
export interface StatementOutcome {
  readonly n: number;
  readonly nModified?: number;
  readonly upserted?: unknown;
}

export interface BatchOutcome {
  n: number;
  nModified: number;
  upserted: Document[];
  writeErrors: Document[];
  /** Statements of a retried write that were applied before, as the server reports them. */
  retriedStmtIds: number[];
}

export function runBatch<T>(ctx: CommandContext, statements: T[], run: (statement: T, index: number) => StatementOutcome): BatchOutcome {
  const ordered = ctx.command.ordered !== false || ctx.txn !== undefined;
  const batch: BatchOutcome = { n: 0, nModified: 0, upserted: [], writeErrors: [], retriedStmtIds: [] };
  const add = (outcome: StatementOutcome, index: number) => {
    batch.n += outcome.n;
    batch.nModified += outcome.nModified ?? 0;
    if (outcome.upserted !== undefined) batch.upserted.push({ index, _id: outcome.upserted });
  };
  const { retry } = ctx;
  for (let index = 0; index < statements.length; index++) {
    const stmtId = retry?.stmtId(index);
    const applied = stmtId === undefined ? undefined : retry!.record.outcome<StatementOutcome>(stmtId);
    if (applied) {
      add(applied, index);
      batch.retriedStmtIds.push(stmtId!);
      continue;
    }
    try {
      const outcome = run(statements[index], index);
      add(outcome, index);
      // A statement that wrote nothing left nothing to protect: a retry may as well run it again.
      if (stmtId !== undefined && outcome.n > 0) retry!.record.record(stmtId, outcome);
    } catch (error) {
      if (!(error instanceof CommandError)) throw error;
      if (ctx.txn && isTransientTransactionError(error.code)) throw error;
      batch.writeErrors.push({ index, code: error.code, codeName: error.codeName, errmsg: error.message, ...error.extra });
      if (ordered) break;
    }
  }
  return batch;
}

/** `reply` with the batch's write errors and retried statements, when there are any. */
export function batchReply(reply: Document, batch: BatchOutcome): Document {
  if (batch.writeErrors.length) reply.writeErrors = batch.writeErrors;
  if (batch.retriedStmtIds.length) reply.retriedStmtIds = batch.retriedStmtIds;
  return reply;
}

export function statementsOf(command: Document, field: string): Document[] {
  const statements = command[field];
  if (!Array.isArray(statements)) throw new CommandError(ErrorCodes.FailedToParse, `BSON field '${field}' is missing but a required field`);
  if (statements.length === 0) throw new CommandError(ErrorCodes.InvalidLength, `Write batch sizes must be between 1 and 100000. Got 0 operations.`);
  return statements;
}
