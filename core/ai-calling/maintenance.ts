/**
 * The AI Calling document's maintenance tasks, run as crons (functions/crons.ts):
 *
 *   cleanEndedSessions  "Clean Old Sessions": ended sessions older than 7 days are deleted (the
 *                       TTL index removes most after 24 h; this catches what it cannot, e.g.
 *                       documents written before the index existed)
 *   reconcileCalls      Exotel asks for a fallback on missed callbacks: calls not settled are
 *                       confirmed against the call-details API; calls Exotel never took are
 *                       failed and their credits given back
 *   retryRecordings     recordings whose copy failed are fetched again (fresh Exotel link)
 *   databaseStats       "Monitor Database Size": db and collection sizes, logged
 */
import { database } from "../db/client.ts";
import { openRepository } from "../db/repository.ts";
import { withDriverErrors } from "../db/errors.ts";
import { log } from "../log.ts";
import { finishCall } from "./call-endings.ts";
import { callLogs, type CallLog } from "./call-logs.ts";
import { releaseCall } from "./call-starts.ts";
import { exotelApiOf } from "./exotel-accounts.ts";
import { copyRecording } from "./recording-copies.ts";
import { collections } from "./collections.ts";
import { sessions } from "./sessions.ts";

const DAY_MS = 86_400_000;
export const ENDED_SESSION_RETENTION_DAYS = 7;
/** How far back unsettled calls and pending recordings are still pursued. */
export const FOLLOW_UP_DAYS = 7;
/** A call Exotel never acknowledged (no CallSid) after this long did not happen. */
export const UNACKNOWLEDGED_CALL_MINUTES = 10;
const BATCH = 100;

export async function cleanEndedSessions(now = new Date()): Promise<{ deleted: number }> {
  const cutoff = new Date(now.getTime() - ENDED_SESSION_RETENTION_DAYS * DAY_MS);
  const { deletedCount } = await withDriverErrors(() => openRepository(sessions).collection.deleteMany({ status: "ended", updatedAt: { $lt: cutoff } }));
  return { deleted: deletedCount };
}

export async function reconcileCalls(now = new Date()): Promise<Record<string, number>> {
  const counts: Record<string, number> = { settled: 0, "already settled": 0, unconfirmed: 0, released: 0, failed: 0 };
  const unsettled = (await withDriverErrors(() =>
    openRepository(callLogs).collection
      // Both directions named, so the { direction, createdAt } index serves the range.
      .find({ direction: { $in: ["inbound", "outbound"] }, createdAt: { $gte: new Date(now.getTime() - FOLLOW_UP_DAYS * DAY_MS), $lt: new Date(now.getTime() - 60_000) }, costBreakdown: { $exists: false } })
      .sort({ createdAt: 1 }).limit(BATCH).toArray(),
  )) as CallLog[];
  for (const callLog of unsettled) {
    try {
      if (callLog.exotelCallSid) counts[await finishCall(callLog)]++;
      else if (now.getTime() - callLog.createdAt.getTime() > UNACKNOWLEDGED_CALL_MINUTES * 60_000) {
        await releaseCall(callLog, { code: "EXOTEL_NO_ANSWER", message: "Exotel never acknowledged the call" });
        counts.released++;
      }
    } catch (error) {
      counts.failed++;
      log.warn("reconcile-calls: one call could not be reconciled; the next run tries again", { sessionId: callLog.sessionId, error });
    }
  }
  return counts;
}

export async function retryRecordings(now = new Date()): Promise<{ copied: number; pending: number }> {
  const pending = (await withDriverErrors(() =>
    openRepository(callLogs).collection
      .find({ status: "completed", createdAt: { $gte: new Date(now.getTime() - FOLLOW_UP_DAYS * DAY_MS) }, exotelCallSid: { $exists: true }, recordingUrl: { $exists: true, $not: /^s3:\/\// } })
      .limit(BATCH).toArray(),
  )) as CallLog[];
  const counts = { copied: 0, pending: 0 };
  for (const callLog of pending) {
    try {
      const exotel = await exotelApiOf(callLog.userId);
      // Exotel's links expire: ask for a fresh one, falling back to the one kept.
      const details = await exotel.callDetails(callLog.exotelCallSid!).catch(() => undefined);
      counts[await copyRecording({ callLog, exotel, url: details?.recordingUrl ?? callLog.recordingUrl! })]++;
    } catch (error) {
      counts.pending++;
      log.warn("retry-call-recordings: recording still not copied", { sessionId: callLog.sessionId, error });
    }
  }
  return counts;
}

export async function databaseStats(): Promise<Record<string, unknown>> {
  const db = database("ai-calling");
  const stats = await withDriverErrors(() => db.stats());
  const counts: Record<string, number> = {};
  for (const { name } of collections) counts[name] = await withDriverErrors(() => db.collection(name).estimatedDocumentCount());
  const summary = { dataSize: stats.dataSize, storageSize: stats.storageSize, indexSize: stats.indexSize, objects: stats.objects, collections: counts };
  log.info("ai-calling database size", summary);
  return summary;
}
