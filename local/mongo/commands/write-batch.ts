/**
 * Running the statements of a write command (insert, update, delete) one by one: a failure is
 * recorded as a write error with its index, and an ordered batch stops at the first one.
 */
import type { Document } from "bson";
import { CommandError, ErrorCodes } from "../errors.ts";

export function runBatch<T>(statements: T[], ordered: boolean, run: (statement: T, index: number) => void): Document[] {
  const writeErrors: Document[] = [];
  for (let index = 0; index < statements.length; index++) {
    try {
      run(statements[index], index);
    } catch (error) {
      if (!(error instanceof CommandError)) throw error;
      writeErrors.push({ index, code: error.code, codeName: error.codeName, errmsg: error.message, ...error.extra });
      if (ordered) break;
    }
  }
  return writeErrors;
}

export function statementsOf(command: Document, field: string): Document[] {
  const statements = command[field];
  if (!Array.isArray(statements)) throw new CommandError(ErrorCodes.FailedToParse, `BSON field '${field}' is missing but a required field`);
  if (statements.length === 0) throw new CommandError(ErrorCodes.InvalidLength, `Write batch sizes must be between 1 and 100000. Got 0 operations.`);
  return statements;
}

export const withWriteErrors = (reply: Document, writeErrors: Document[]): Document =>
  writeErrors.length ? { ...reply, writeErrors } : reply;
