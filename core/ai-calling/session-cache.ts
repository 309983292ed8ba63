/**
 * The Redis copy of a call session (spec 004, "Session Cache"): `session:{sessionId}` holds the
 * session as JSON for an hour, so the voice runtime's reads during a call do not reach MongoDB.
 * MongoDB stays the truth: a cache that cannot be written or read is logged and skipped, never
 * failing the call, and a copy is rewritten after every change.
 *
 * @example
 * await cacheSession(session);                    // after each change
 * const copy = await cachedSession("sess_abc123xyz"); // the API form, or undefined
 */
import { redis } from "../cache/redis.ts";
import { log } from "../log.ts";
import { sessions, type Session } from "./sessions.ts";

export const SESSION_CACHE_TTL_SECONDS = 3600;

export const sessionCacheKey = (sessionId: string): string => `session:${sessionId}`;

/** A session as the API shows it (ids and dates as strings). */
export type SessionView = Record<string, unknown> & { sessionId: string; userId: string; status: string };

/** Writes the session's current state to Redis for an hour. Never throws. */
export async function cacheSession(session: Session): Promise<void> {
  const key = sessionCacheKey(session.sessionId);
  try {
    await redis().set(key, JSON.stringify(sessions.toApi(session)), { ex: SESSION_CACHE_TTL_SECONDS });
  } catch (error) {
    log.warn("session cache: write failed; reads fall back to MongoDB", { key, error });
  }
}

/** The cached copy, or undefined when there is none or Redis cannot be read. Never throws. */
export async function cachedSession(sessionId: string): Promise<SessionView | undefined> {
  const key = sessionCacheKey(sessionId);
  try {
    const value = await redis().get<unknown>(key);
    return isSessionView(value) && value.sessionId === sessionId ? value : undefined;
  } catch (error) {
    log.warn("session cache: read failed; answering from MongoDB", { key, error });
    return undefined;
  }
}

/** Drops the copy (a session that ended need not stay cached). Never throws. */
export async function forgetSession(sessionId: string): Promise<void> {
  await redis().del(sessionCacheKey(sessionId)).catch((error: unknown) => log.warn("session cache: delete failed", { sessionId, error }));
}

function isSessionView(value: unknown): value is SessionView {
  if (typeof value !== "object" || value === null) return false;
  const view = value as Record<string, unknown>;
  return typeof view.sessionId === "string" && typeof view.userId === "string" && typeof view.status === "string";
}
