/**
 * The errors of sessions and transactions, and the labels the server attaches to them. A label
 * is what the driver acts on: `TransientTransactionError` makes `withTransaction` run the whole
 * transaction again, so it goes on errors after which nothing of the transaction remains.
 */
import type { Document } from "bson";
import { CommandError, ErrorCodes } from "../errors.ts";

export const TRANSIENT_TRANSACTION_ERROR = "TransientTransactionError";

/**
 * Codes that leave no trace of the transaction (the server's `isTransientTransactionError`):
 * a write conflict, a transaction that no longer exists. The server also counts lock timeouts
 * and snapshot errors, which the stand-in never raises.
 */
const TRANSIENT_CODES: ReadonlySet<number> = new Set([ErrorCodes.WriteConflict, ErrorCodes.NoSuchTransaction]);

export const isTransientTransactionError = (code: number): boolean => TRANSIENT_CODES.has(code);

export function writeConflict(detail?: string): CommandError {
  const message = "WriteConflict error: this operation conflicted with another operation. Please retry your operation or multi-document transaction.";
  return new CommandError(ErrorCodes.WriteConflict, detail ? `${message} (${detail})` : message);
}

export const noSuchTransaction = (message: string): CommandError => new CommandError(ErrorCodes.NoSuchTransaction, message);

export const notInTransaction = (message: string): CommandError => new CommandError(ErrorCodes.OperationNotSupportedInTransaction, message);

export const invalidOptions = (message: string): CommandError => new CommandError(ErrorCodes.InvalidOptions, message);

/** The reply for a command of a transaction that failed, labelled as the server labels it. */
export function transactionErrorReply(error: CommandError): Document {
  const reply = error.toReply();
  return isTransientTransactionError(error.code) ? { ...reply, errorLabels: [TRANSIENT_TRANSACTION_ERROR] } : reply;
}
