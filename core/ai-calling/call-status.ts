/**
 * A call log's status only moves forward, whatever order Exotel's callbacks arrive in:
 *
 *   initiated ─► ringing ─► in-progress ─► completed | failed | no-answer | busy | canceled
 *                                          | user-ended | agent-ended           (terminal)
 *
 * A late `ringing` never overwrites `in-progress`, and nothing overwrites a terminal status
 * except the settlement, which writes the status Exotel's call-details API confirms.
 *
 * @example
 * await advanceCallStatus(log._id, "in-progress", { startedAt });
 */
import type { Document, ObjectId } from "mongodb";
import { openRepository } from "../db/repository.ts";
import { withDriverErrors } from "../db/errors.ts";
import { callLogs, type CallStatus } from "./call-logs.ts";

const PROGRESS: CallStatus[] = ["initiated", "ringing", "in-progress"];
export const TERMINAL_STATUSES: CallStatus[] = ["completed", "failed", "no-answer", "busy", "canceled", "user-ended", "agent-ended"];

export const isTerminal = (status: string): boolean => (TERMINAL_STATUSES as string[]).includes(status);

/** The statuses a call log may move from to reach `status`. */
export function statusesBefore(status: CallStatus): CallStatus[] {
  return isTerminal(status) ? PROGRESS : PROGRESS.slice(0, PROGRESS.indexOf(status));
}

/**
 * Moves the call log to `status` with `fields` when that is forward; answers whether it moved.
 * Fields of a status that came too late are dropped with it.
 */
export async function advanceCallStatus(callLogId: ObjectId, status: CallStatus, fields: Document = {}): Promise<boolean> {
  const { collection } = openRepository(callLogs);
  const result = await withDriverErrors(() =>
    collection.updateOne({ _id: callLogId, status: { $in: statusesBefore(status) } }, { $set: { ...fields, status, updatedAt: new Date() } }),
  );
  return result.modifiedCount === 1;
}
