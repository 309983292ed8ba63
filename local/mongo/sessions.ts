/**
 * Logical sessions the driver has used: for `$listLocalSessions` and `endSessions`, and what
 * each session's transaction number currently stands for (a transaction, or a retryable write).
 */
import type { Binary, Document } from "bson";
import type { RetryableWrites } from "./transactions/retryable.ts";
import type { Transaction } from "./transactions/transaction.ts";

export interface Session {
  /** The session id (`lsid`) as the client sent it. */
  readonly lsid: Document;
  lastUse: Date;
  /** The highest txnNumber the session has used, -1 before any; only ever grows. */
  txnNumber: number;
  /** The transaction started under `txnNumber`, if it is one. */
  transaction?: Transaction;
  /** The statements applied under `txnNumber`, if it is a retryable write. */
  retryable?: RetryableWrites;
}

const keyOf = (lsid: unknown): string | undefined => {
  const id = (lsid as { id?: Binary } | null | undefined)?.id;
  return id && typeof id === "object" && "buffer" in id ? Buffer.from(id.buffer).toString("hex") : undefined;
};

export class SessionRegistry {
  private readonly sessions = new Map<string, Session>();

  /** Notes a use of the session (creating it on first use); undefined when `lsid` is not one. */
  touch(lsid: unknown): Session | undefined {
    if (!lsid || typeof lsid !== "object") return undefined;
    const key = keyOf(lsid);
    if (!key) return undefined;
    let session = this.sessions.get(key);
    if (!session) this.sessions.set(key, (session = { lsid: lsid as Document, lastUse: new Date(), txnNumber: -1 }));
    session.lastUse = new Date();
    return session;
  }

  /** Forgets the sessions and returns them, so that their open transactions can be aborted. */
  end(lsids: unknown[]): Session[] {
    const ended: Session[] = [];
    for (const lsid of lsids) {
      const key = keyOf(lsid);
      const session = key === undefined ? undefined : this.sessions.get(key);
      if (!session) continue;
      this.sessions.delete(key!);
      ended.push(session);
    }
    return ended;
  }

  all(): IterableIterator<Session> {
    return this.sessions.values();
  }

  list(): Document[] {
    return [...this.sessions.values()].map(({ lsid, lastUse }) => ({ _id: { id: lsid.id, uid: Buffer.alloc(32) }, lastUse }));
  }
}
