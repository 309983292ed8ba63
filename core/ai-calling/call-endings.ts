/**
 * What happens when a call has ended, from any of the three places that learn it (the status
 * callback, a Passthru after the voice bot, the reconciliation cron):
 *
 *   closeCall   the session ends and the transcript is assembled (no money moves)
 *   finishCall  Exotel's call details confirm status and duration → settleCall (credits, stats)
 *               → the recording is copied to our bucket
 *
 * Both are idempotent. A confirmation that cannot be had now (Exotel down, the call not final
 * there yet) leaves the call for the cron, which asks again.
 *
 * @example
 * await closeCall(callLog);
 * const outcome = await finishCall(callLog); // "settled" | "already settled" | "unconfirmed"
 */
import { openRepository } from "../db/repository.ts";
import { withDriverErrors } from "../db/errors.ts";
import { log } from "../log.ts";
import { callLogs, type CallLog } from "./call-logs.ts";
import { settleCall } from "./call-settlement.ts";
import { isTerminal } from "./call-status.ts";
import { transcriptOf } from "./conversations.ts";
import { exotelApiOf } from "./exotel-accounts.ts";
import { toCallLogStatus } from "./exotel-callbacks.ts";
import { copyRecording } from "./recording-copies.ts";
import { cacheSession } from "./session-cache.ts";
import { sessions, type Session } from "./sessions.ts";

/** Ends the call's session and writes its transcript to the call log. */
export async function closeCall(callLog: CallLog): Promise<void> {
  const now = new Date();
  const session = await withDriverErrors(() =>
    openRepository(sessions).collection.findOneAndUpdate({ sessionId: callLog.sessionId }, { $set: { status: "ended", updatedAt: now } }, { returnDocument: "after" }),
  );
  if (!session) return;
  await cacheSession(session as Session);
  await withDriverErrors(() =>
    openRepository(callLogs).collection.updateOne({ _id: callLog._id }, { $set: { transcript: transcriptOf((session as Session).conversationHistory), updatedAt: now } }),
  );
}

export type FinishOutcome = "settled" | "already settled" | "unconfirmed";

/** Confirms the call with Exotel and settles it; copies the recording when there is one. */
export async function finishCall(callLog: CallLog): Promise<FinishOutcome> {
  if (!callLog.exotelCallSid) return "unconfirmed";
  const context = { sessionId: callLog.sessionId, callSid: callLog.exotelCallSid };
  let details;
  const exotel = await exotelApiOf(callLog.userId);
  try {
    details = await exotel.callDetails(callLog.exotelCallSid);
  } catch (error) {
    log.warn("call not confirmed: Exotel's call details are unavailable; the reconcile-calls cron asks again", { ...context, error });
    return "unconfirmed";
  }
  const status = toCallLogStatus(details.status);
  if (!status || !isTerminal(status)) {
    log.info("call not final at Exotel yet; the reconcile-calls cron asks again", { ...context, exotelStatus: details.status });
    return "unconfirmed";
  }
  const settled = await settleCall({
    callLog,
    confirmed: { status, durationSec: details.durationSec ?? 0, startedAt: details.startTime, endedAt: details.endTime, price: details.price },
  });
  if (details.recordingUrl) await copyRecording({ callLog: settled ?? callLog, exotel, url: details.recordingUrl });
  return settled ? "settled" : "already settled";
}
