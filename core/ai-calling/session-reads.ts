/**
 * Reading a session: from its Redis copy while there is one (the voice runtime polls it during a
 * call), else from MongoDB, re-caching an active one. The owner rule holds on both paths: a copy
 * of someone else's session is answered as not found, like the document would be.
 *
 * @example
 * const { session, source } = await readSession({ caller, sessionId }); // source: "redis" | "mongodb"
 */
import { openRepository, type Caller } from "../db/repository.ts";
import { withDriverErrors } from "../db/errors.ts";
import { NotFoundError } from "../errors.ts";
import { cachedSession, cacheSession, type SessionView } from "./session-cache.ts";
import { sessions, type Session } from "./sessions.ts";

export async function readSession({ caller, sessionId }: { caller: Caller; sessionId: string }): Promise<{ session: SessionView; source: "redis" | "mongodb" }> {
  const cached = await cachedSession(sessionId);
  if (cached) {
    if (cached.userId !== caller.userId.toHexString()) throw new NotFoundError("sessions not found");
    return { session: cached, source: "redis" };
  }
  const repository = openRepository(sessions, { caller });
  const stored = (await withDriverErrors(() => repository.collection.findOne({ sessionId, ...repository.scope }))) as Session | null;
  if (!stored) throw new NotFoundError("sessions not found");
  if (stored.status === "active") await cacheSession(stored);
  return { session: sessions.toApi(stored) as SessionView, source: "mongodb" };
}
