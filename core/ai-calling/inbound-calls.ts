/**
 * Exotel's Passthru applet for an account's numbers (`GET /ai-calling/webhooks/exotel/passthru`),
 * placed in the Exotel flow that answers them. Sync Passthru branches on our status code:
 * 200 takes the flow's branch A (on to the voice bot), 302 branch B (decline politely).
 *
 *   ?account & token ── HMAC of the account id? ── no ─► 403
 *   a call we know (same CallSid, or CustomField = the session of our outbound call)
 *      ├─ the flow reports it over (CallType completed / Stream status) ─► closeCall, finishCall
 *      └─ ─► 200, nothing created (a retry, or our own outbound call's second leg)
 *   CallTo = one of the account's active phones with an active agent, credits held
 *      ├─ yes ─► inbound call log (in-progress) + session ─► 200
 *      └─ no  ─► 302
 *
 * @example
 * const answer = await receivePassthru({ account, token, query }); // "connect" | "decline"
 */
import { createHash } from "node:crypto";
import { ObjectId } from "mongodb";
import { openRepository } from "../db/repository.ts";
import { withDriverErrors } from "../db/errors.ts";
import { ConflictError, ForbiddenError } from "../errors.ts";
import { log } from "../log.ts";
import { agents, type Agent } from "./agents.ts";
import { isAccountToken } from "./callback-tokens.ts";
import { closeCall, finishCall } from "./call-endings.ts";
import { callLogs, type CallLog } from "./call-logs.ts";
import { startCall } from "./call-starts.ts";
import { advanceCallStatus } from "./call-status.ts";
import { parsePassthru, type ExotelPassthru } from "./exotel-callbacks.ts";
import { phones, type Phone } from "./phones.ts";

export type PassthruAnswer = "connect" | "decline";

const ENDED_STREAM_STATUSES = new Set(["completed", "failed", "stopped", "callended", "disconnected"]);

export async function receivePassthru({ account, token, query }: { account?: string; token?: string; query: Record<string, string | undefined> }): Promise<PassthruAnswer> {
  if (!account || !ObjectId.isValid(account) || !isAccountToken(account, token)) throw new ForbiddenError("This Passthru URL is not valid");
  const userId = ObjectId.createFromHexString(account);
  const passthru = parsePassthru(query);

  const known = await knownCall(userId, passthru);
  if (known) {
    if (known.direction === "inbound" && callIsOver(passthru)) await endInboundCall(known);
    return "connect";
  }
  // A call we never saw that is already over: nothing to take, nothing to charge.
  if (callIsOver(passthru)) return "decline";

  const phone = passthru.to ? ((await withDriverErrors(() => openRepository(phones).collection.findOne({ number: passthru.to, userId }))) as Phone | null) : null;
  const agent = phone?.status === "active" && phone.agentId
    ? ((await withDriverErrors(() => openRepository(agents).collection.findOne({ _id: phone.agentId, userId, isActive: true }))) as Agent | null)
    : null;
  if (!phone || !agent) {
    log.info("exotel passthru: declined, no active phone with an active agent", { account, to: passthru.to, callSid: passthru.callSid });
    return "decline";
  }
  try {
    await startCall({
      direction: "inbound", status: "in-progress", userId, phone, agent,
      otherParty: passthru.from ?? "anonymous", exotelCallSid: passthru.callSid, startedAt: passthru.startTime ?? new Date(),
      sessionId: inboundSessionId(account, passthru.callSid),
    });
    return "connect";
  } catch (error) {
    // The same Passthru delivered twice at once: the other delivery created the call.
    if (error instanceof ConflictError) return "connect";
    if (!(error instanceof ForbiddenError)) throw error;
    log.info("exotel passthru: declined, not enough credits", { account, callSid: passthru.callSid });
    return "decline";
  }
}

async function knownCall(userId: ObjectId, passthru: ExotelPassthru): Promise<CallLog | null> {
  const which = [{ exotelCallSid: passthru.callSid }, ...(passthru.customField ? [{ sessionId: passthru.customField }] : [])];
  return (await withDriverErrors(() => openRepository(callLogs).collection.findOne({ userId, $or: which }))) as CallLog | null;
}

/** After the voice bot, the flow's Passthru reports the call done. */
function callIsOver(passthru: ExotelPassthru): boolean {
  return passthru.callType === "completed" || ENDED_STREAM_STATUSES.has(passthru.stream?.status?.toLowerCase() ?? "");
}

async function endInboundCall(callLog: CallLog): Promise<void> {
  if (await advanceCallStatus(callLog._id, "completed", { endedAt: new Date() })) await closeCall(callLog);
  if (!callLog.costBreakdown) await finishCall(callLog);
}

/** One session id per inbound call of an account, whatever the number of Passthru deliveries. */
function inboundSessionId(account: string, callSid: string): string {
  return `sess_in_${createHash("sha256").update(`${account}:${callSid}`).digest("base64url").slice(0, 22)}`;
}
