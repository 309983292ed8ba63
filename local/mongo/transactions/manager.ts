/**
 * What a session's transaction number means, as the server's transaction participant decides
 * it: a command with `autocommit: false` starts (with `startTransaction`) or continues the
 * session's transaction; a write with a `txnNumber` alone is a retryable write. Numbers only
 * grow on a session: an older one is refused, a newer one ends whatever the session had open.
 */
import { Binary, type Long } from "bson";
import { CommandError, ErrorCodes } from "../errors.ts";
import type { Session } from "../sessions.ts";
import type { Catalog } from "../storage/catalog.ts";
import { noSuchTransaction } from "./errors.ts";
import { RetryableWrites } from "./retryable.ts";
import { Transaction } from "./transaction.ts";
import { WriteLocks } from "./write-locks.ts";

export const DEFAULT_TRANSACTION_LIFETIME_SECONDS = 60;

/** The session id as the server's messages show it (its UUID). */
const sessionIdOf = (session: Session): string => {
  const id = session.lsid.id as Binary;
  return id.sub_type === Binary.SUBTYPE_UUID ? id.toUUID().toHexString() : Buffer.from(id.buffer).toString("hex");
};

export class TransactionManager {
  readonly catalog: Catalog;
  readonly locks = new WriteLocks();
  /** `transactionLifetimeLimitSeconds`: how long a transaction may stay open. */
  lifetimeLimitSeconds: number;
  private readonly killCursors: (ids: Long[]) => void;

  constructor(catalog: Catalog, killCursors: (ids: Long[]) => void, lifetimeLimitSeconds = DEFAULT_TRANSACTION_LIFETIME_SECONDS) {
    this.catalog = catalog;
    this.killCursors = killCursors;
    this.lifetimeLimitSeconds = lifetimeLimitSeconds;
  }

  /** The transaction a command with `autocommit: false` runs in. */
  transactionFor(session: Session, txnNumber: number, start: boolean, command: string): Transaction {
    this.refuseOlder(session, txnNumber, "transaction");
    if (start) {
      // Only shards may restart a transaction at its number (for their routers' retries).
      if (txnNumber === session.txnNumber) {
        throw new CommandError(ErrorCodes.ConflictingOperationInProgress, "Only servers in a sharded cluster can start a new transaction at the active transaction number");
      }
      this.advance(session, txnNumber);
      session.transaction = new Transaction({ catalog: this.catalog, locks: this.locks, killCursors: this.killCursors }, txnNumber, this.lifetimeLimitSeconds);
      return session.transaction;
    }
    const txn = session.transaction;
    if (txnNumber !== session.txnNumber || !txn) {
      throw noSuchTransaction(`Given transaction number ${txnNumber} does not match any in-progress transactions. The active transaction number is ${session.txnNumber}`);
    }
    if (txn.state === "aborted") throw noSuchTransaction(`Transaction with { txnNumber: ${txnNumber} } has been aborted.`);
    if (txn.state === "committed" && command !== "committransaction") {
      throw new CommandError(ErrorCodes.TransactionCommitted, `Transaction with { txnNumber: ${txnNumber} } has been committed.`);
    }
    return txn;
  }

  /** The record a retryable write (a write with `txnNumber` and no `autocommit`) runs under. */
  retryableFor(session: Session, txnNumber: number): RetryableWrites {
    this.refuseOlder(session, txnNumber, "retryable write");
    if (txnNumber === session.txnNumber) {
      if (!session.retryable) throw new CommandError(ErrorCodes.IncompleteTransactionHistory, "Cannot retry a retryable write that has been converted into a transaction");
      return session.retryable;
    }
    this.advance(session, txnNumber);
    session.retryable = new RetryableWrites(txnNumber);
    return session.retryable;
  }

  /** Aborts what the sessions had open (`endSessions`, `killAllSessions`). */
  endSessions(sessions: Iterable<Session>): void {
    for (const session of sessions) session.transaction?.abort();
  }

  private refuseOlder(session: Session, txnNumber: number, what: "transaction" | "retryable write"): void {
    if (txnNumber >= session.txnNumber) return;
    const current = session.transaction ? "transaction" : "retryable write";
    const id = sessionIdOf(session);
    const refused = what === "transaction" ? `Cannot start transaction with { txnNumber: ${txnNumber} } on session ${id}` : `Retryable write with txnNumber ${txnNumber} is prohibited on session ${id}`;
    throw new CommandError(ErrorCodes.TransactionTooOld, `${refused} because a newer ${current} with txnNumber ${session.txnNumber} has already started on this session.`);
  }

  private advance(session: Session, txnNumber: number): void {
    session.transaction?.abort();
    session.transaction = undefined;
    session.retryable = undefined;
    session.txnNumber = txnNumber;
  }
}
