/**
 * Binding a command to its session's transaction or retryable write, from the fields the driver
 * adds (`lsid`, `txnNumber`, `autocommit`, `startTransaction`), checked in the server's order
 * with the server's errors. A command without them runs as before and never comes here.
 */
import { Long, type Document } from "bson";
import { isNumeric, isPlainObject, toNumber } from "../bson-values.ts";
import type { ServerState } from "../commands/context.ts";
import { CommandError, ErrorCodes } from "../errors.ts";
import { transactionCatalog } from "./catalog-view.ts";
import { invalidOptions, notInTransaction, transactionErrorReply } from "./errors.ts";
import { retryContext, type RetryContext } from "./retryable.ts";
import type { Transaction } from "./transaction.ts";

/** Commands allowed in a transaction (lower-cased), as the server lists them. */
const TRANSACTION_COMMANDS = new Set(["aggregate", "committransaction", "aborttransaction", "create", "createindexes", "delete", "distinct", "find", "findandmodify", "getmore", "insert", "killcursors", "update"]);
const RETRYABLE_WRITES = new Set(["insert", "update", "delete", "findandmodify"]);
const TRANSACTION_END = new Set(["committransaction", "aborttransaction"]);
const READ_CONCERN_LEVELS = new Set(["local", "majority", "snapshot"]);

export interface SessionBinding {
  /** The server state the handler sees: inside a transaction, its catalog is the transaction's view. */
  readonly state: ServerState;
  readonly txn?: Transaction;
  readonly retry?: RetryContext;
  finish(reply: Document): Document;
  fail(error: CommandError): Document;
}

/** Undefined for a command outside any transaction or retryable write. */
export function bindSession(state: ServerState, db: string, command: Document, name: string): SessionBinding | undefined {
  const { txnNumber, autocommit, startTransaction } = command;
  if (txnNumber === undefined && autocommit === undefined && startTransaction === undefined) return undefined;
  checkSessionFields(command);
  const session = state.sessions.touch(command.lsid);
  if (!session) throw new CommandError(ErrorCodes.FailedToParse, "BSON field 'OperationSessionInfo.lsid.id' is missing but a required field");
  const number = toNumber(txnNumber);
  if (autocommit === undefined) {
    if (!RETRYABLE_WRITES.has(name)) {
      throw new CommandError(50768, `txnNumber may only be provided for multi-document transactions and retryable write commands. autocommit:false was not provided, and ${Object.keys(command)[0]} is not a retryable write command.`);
    }
    const retry = retryContext(state.transactions.retryableFor(session, number), command);
    return { state, retry, finish: (reply) => ({ ...reply, ok: 1 }), fail: (error) => error.toReply() };
  }
  checkAllowedInTransaction(name, Object.keys(command)[0], db, startTransaction === true);
  const txn = state.transactions.transactionFor(session, number, startTransaction === true, name);
  const txnState: ServerState = { ...state, catalog: transactionCatalog(txn, state.catalog) };
  try {
    checkTransactionOptions(command, name, startTransaction === true);
    checkTransactionCommand(txnState, db, command, name);
  } catch (error) {
    txn.abort();
    throw error;
  }
  return {
    state: txnState,
    txn,
    finish(reply) {
      // A write error ends the transaction (the server fails the whole batch and aborts).
      if (Array.isArray(reply.writeErrors) && reply.writeErrors.length) txn.abort();
      const cursorId = (reply.cursor as { id?: unknown } | undefined)?.id;
      if (cursorId instanceof Long && !cursorId.isZero() && !txn.cursors.some((id) => id.equals(cursorId))) txn.cursors.push(cursorId);
      return { ...reply, ok: 1 };
    },
    fail(error) {
      txn.abort();
      return transactionErrorReply(error);
    },
  };
}

/** The checks of the server's `initializeOperationSessionInfo`. */
function checkSessionFields({ lsid, txnNumber, autocommit, startTransaction }: Document): void {
  if (txnNumber !== undefined) {
    if (!isPlainObject(lsid)) throw invalidOptions("Transaction number requires a session ID to also be specified");
    if (!isNumeric(txnNumber)) throw new CommandError(ErrorCodes.TypeMismatch, "BSON field 'OperationSessionInfo.txnNumber' is the wrong type, expected type 'long'");
    if (toNumber(txnNumber) < 0) throw invalidOptions("Transaction number cannot be negative");
  } else if (autocommit !== undefined) throw invalidOptions("'autocommit' field requires a transaction number to also be specified");
  if (autocommit !== undefined) {
    if (autocommit !== false) throw invalidOptions("Specifying autocommit=true is not allowed.");
  } else if (startTransaction !== undefined) throw invalidOptions("'startTransaction' field requires 'autocommit' field to also be specified");
  if (startTransaction !== undefined && startTransaction !== true) throw invalidOptions("Specifying startTransaction=false is not allowed.");
}

/** The server's `canUseTransactions`: which commands, on which databases. */
function checkAllowedInTransaction(name: string, spelled: string, db: string, start: boolean): void {
  if (name === "count") {
    throw notInTransaction("Cannot run 'count' in a multi-document transaction. Please see http://dochub.mongodb.org/core/transaction-count for a recommended alternative.");
  }
  if (!TRANSACTION_COMMANDS.has(name)) throw notInTransaction(`Cannot run '${spelled}' in a multi-document transaction.`);
  if (db === "local" || db === "config") throw notInTransaction(`Cannot run command against the '${db}' database in a transaction.`);
  if (start && TRANSACTION_END.has(name)) throw notInTransaction(`Cannot start a transaction with a ${spelled} command`);
}

/** Read and write concerns belong to the transaction as a whole: read on its first command, write on its end. */
function checkTransactionOptions(command: Document, name: string, start: boolean): void {
  if (command.writeConcern !== undefined && !TRANSACTION_END.has(name)) throw invalidOptions("Cannot set write concern after starting a transaction.");
  const readConcern = command.readConcern;
  if (readConcern === undefined) return;
  if (!start) throw invalidOptions("Only the first command in a transaction may specify a readConcern");
  const level = isPlainObject(readConcern) ? readConcern.level : undefined;
  if (level !== undefined && !READ_CONCERN_LEVELS.has(level as string)) {
    throw invalidOptions("The readConcern level must be either 'local' (default), 'majority' or 'snapshot' in order to run in a transaction");
  }
}

/** What individual commands may not do inside a transaction. */
function checkTransactionCommand(state: ServerState, db: string, command: Document, name: string): void {
  if (name === "create" && typeof command.create === "string" && state.catalog.collection(db, command.create)) {
    // Outside a transaction an identical create is a no-op since 7.0; inside one it is refused.
    throw new CommandError(ErrorCodes.NamespaceExists, `Collection ${db}.${command.create} already exists.`);
  }
  if (name === "aggregate" && Array.isArray(command.pipeline)) {
    const last = command.pipeline[command.pipeline.length - 1];
    const stage = isPlainObject(last) ? Object.keys(last)[0] : undefined;
    if (stage === "$out" || stage === "$merge") throw notInTransaction(`${stage} cannot be used in a transaction`);
  }
}
