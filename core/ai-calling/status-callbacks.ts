/**
 * Exotel's StatusCallback for one outbound call (`/ai-calling/webhooks/exotel/status`):
 *
 *   ?sessionId & token ── HMAC of the session id? ── no ─► 403 (forged)
 *   call log of sessionId ── none ─► 404 (unknown call)      CallSid ≠ ours ─► 403
 *   answered / in-progress ─► in-progress, startedAt           (never backwards)
 *   terminal ─► status, times, duration ─► closeCall ─► finishCall (confirmed, settled once)
 *
 * Duplicates and late or out-of-order deliveries change nothing they should not: statuses only
 * move forward and settling is done once. Money moves only on what Exotel's API confirms.
 *
 * @example
 * const outcome = await receiveStatusCallback({ sessionId, token, body });
 */
import { openRepository } from "../db/repository.ts";
import { withDriverErrors } from "../db/errors.ts";
import { ForbiddenError, NotFoundError } from "../errors.ts";
import { log } from "../log.ts";
import { isCallToken } from "./callback-tokens.ts";
import { closeCall, finishCall, type FinishOutcome } from "./call-endings.ts";
import { callLogs, type CallLog } from "./call-logs.ts";
import { advanceCallStatus, isTerminal } from "./call-status.ts";
import { parseStatusCallback, toCallLogStatus } from "./exotel-callbacks.ts";

export interface StatusCallbackOutcome {
  sessionId: string;
  status: string;
  /** Whether this delivery moved the call forward (false for duplicates and late ones). */
  advanced: boolean;
  settlement?: FinishOutcome;
}

export async function receiveStatusCallback({ sessionId, token, body }: { sessionId?: string; token?: string; body: Record<string, unknown> }): Promise<StatusCallbackOutcome> {
  if (!sessionId || !isCallToken(sessionId, token)) throw new ForbiddenError("This callback URL is not valid");
  const event = parseStatusCallback(body);
  const { collection } = openRepository(callLogs);
  let callLog = (await withDriverErrors(() => collection.findOne({ sessionId }))) as CallLog | null;
  if (!callLog) throw new NotFoundError("No call with this session");
  if (callLog.exotelCallSid && callLog.exotelCallSid !== event.callSid) throw new ForbiddenError("The callback names another call");
  if (!callLog.exotelCallSid) {
    // The callback beat Calls/connect's answer to us.
    callLog = ((await withDriverErrors(() =>
      collection.findOneAndUpdate({ _id: callLog!._id }, { $set: { exotelCallSid: event.callSid } }, { returnDocument: "after" }),
    )) ?? callLog) as CallLog;
  }

  const status = event.eventType === "answered" ? "in-progress" : toCallLogStatus(event.status);
  if (!status) {
    log.warn("exotel status callback: unknown status ignored", { sessionId, status: event.status });
    return { sessionId, status: callLog.status, advanced: false };
  }
  if (!isTerminal(status)) {
    const advanced = await advanceCallStatus(callLog._id, status, status === "in-progress" ? { startedAt: event.startTime ?? new Date() } : {});
    return { sessionId, status, advanced };
  }

  const advanced = await advanceCallStatus(callLog._id, status, {
    endedAt: event.endTime ?? event.dateUpdated ?? new Date(),
    ...(event.startTime && { startedAt: event.startTime }),
    ...(event.durationSec !== undefined && { durationSec: event.durationSec }),
  });
  if (advanced) await closeCall(callLog);
  // Also for a duplicate: an earlier delivery may have found Exotel not final yet.
  const settlement = callLog.costBreakdown ? "already settled" : await finishCall(callLog);
  return { sessionId, status, advanced, settlement };
}
