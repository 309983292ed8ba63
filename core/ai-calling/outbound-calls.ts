/**
 * `POST /ai-calling/calls`: one of the caller's phones calls a number through Exotel.
 *
 *   phone (caller's, active, with an active agent) ─┐
 *   Exotel credentials (the caller's own)           ├─► startCall: credits held, call log
 *   to (E.164, not the phone itself)               ─┘    `initiated` + session, cached
 *        └─► Exotel Calls/connect: From = the number called, To = our ExoPhone (its flow runs
 *            the agent), CallerId = our ExoPhone, StatusCallback = this call's secret URL
 *              ├─ accepted: exotelCallSid stored on the call log and the session
 *              └─ refused:  releaseCall (log failed, session ended, hold returned), 503 or 400
 *
 * @example
 * const callLog = await placeOutboundCall({ caller, input: { phoneId, to: "+919123456789" } });
 */
import * as z from "zod";
import { openRepository, type Caller } from "../db/repository.ts";
import { withDriverErrors } from "../db/errors.ts";
import { BadRequestError, NotFoundError, UnavailableError, ValidationError } from "../errors.ts";
import { agents, type Agent } from "./agents.ts";
import { statusCallbackUrl } from "./callback-tokens.ts";
import { callLogs, type CallLog } from "./call-logs.ts";
import { releaseCall, startCall } from "./call-starts.ts";
import { exotelApiOf } from "./exotel-accounts.ts";
import { ExotelApiError } from "./exotel-api.ts";
import { E164, phones, type Phone } from "./phones.ts";
import { cacheSession } from "./session-cache.ts";
import { sessions, type Session } from "./sessions.ts";

/** Longest call Exotel is asked to allow (its own maximum is 14400 s). */
export const CALL_TIME_LIMIT_SECONDS = 3600;
const MAX_METADATA_BYTES = 8 * 1024;

export const outboundCallInput = z.strictObject({
  phoneId: z.string().regex(/^[0-9a-fA-F]{24}$/, "must be a 24-character hex id"),
  to: z.string().regex(E164, "must be an E.164 number such as +919123456789"),
  metadata: z.record(z.string(), z.unknown())
    .refine((value) => Buffer.byteLength(JSON.stringify(value)) <= MAX_METADATA_BYTES, `must be at most ${MAX_METADATA_BYTES} bytes as JSON`)
    .optional(),
});
export type OutboundCallInput = z.output<typeof outboundCallInput>;

export async function placeOutboundCall({ caller, input }: { caller: Caller; input: OutboundCallInput }): Promise<CallLog> {
  const { phone, agent } = await callingPhone(caller, input);
  const exotel = await exotelApiOf(caller.userId);
  const { callLog } = await startCall({ direction: "outbound", status: "initiated", userId: caller.userId, phone, agent, otherParty: input.to, metadata: input.metadata });
  let callSid: string;
  try {
    ({ callSid } = await exotel.connectCall({
      from: input.to, to: phone.number, callerId: phone.number,
      statusCallback: statusCallbackUrl(callLog.sessionId),
      customField: callLog.sessionId, record: true, timeLimit: CALL_TIME_LIMIT_SECONDS,
    }));
  } catch (error) {
    const reason = error instanceof ExotelApiError && error.retryable ? "EXOTEL_UNAVAILABLE" : "EXOTEL_REFUSED";
    await releaseCall(callLog, { code: reason, message: (error as Error).message });
    if (!(error instanceof ExotelApiError)) throw error;
    if (error.retryable) throw new UnavailableError("Exotel could not be reached; the call was not placed and no credits were used", 30, { cause: error });
    throw new BadRequestError(`The call was not placed: ${error.message}`, { cause: error });
  }
  return recordCallSid(callLog, callSid);
}

/** The phone to call from, with its agent; each must be the caller's and active. */
async function callingPhone(caller: Caller, input: OutboundCallInput): Promise<{ phone: Phone; agent: Agent }> {
  const refuse = (path: string, message: string) => new ValidationError([{ path, message }]);
  const phone = await openRepository(phones, { caller }).get(input.phoneId).catch((error: unknown) => {
    throw error instanceof NotFoundError ? refuse("phoneId", "must be one of your phones") : error;
  });
  if (phone.status !== "active") throw refuse("phoneId", "the phone is inactive");
  if (!phone.agentId) throw refuse("phoneId", "the phone has no agent to take the call");
  if (phone.number === input.to) throw refuse("to", "a phone cannot call itself");
  const agent = await openRepository(agents, { caller }).get(phone.agentId).catch((error: unknown) => {
    throw error instanceof NotFoundError ? refuse("phoneId", "the phone's agent no longer exists") : error;
  });
  if (!agent.isActive) throw refuse("phoneId", "the phone's agent is inactive");
  return { phone: phone as Phone, agent: agent as Agent };
}

/** Exotel's id for the call, on its log and session; a callback may have stored it already. */
async function recordCallSid(callLog: CallLog, callSid: string): Promise<CallLog> {
  const now = new Date();
  const updated = await withDriverErrors(() =>
    openRepository(callLogs).collection.findOneAndUpdate({ _id: callLog._id }, { $set: { exotelCallSid: callSid, updatedAt: now } }, { returnDocument: "after" }),
  );
  const session = await withDriverErrors(() =>
    openRepository(sessions).collection.findOneAndUpdate({ sessionId: callLog.sessionId, exotelCallSid: { $exists: false } }, { $set: { exotelCallSid: callSid, updatedAt: now } }, { returnDocument: "after" }),
  );
  if (session) await cacheSession(session as Session);
  return (updated ?? { ...callLog, exotelCallSid: callSid }) as CallLog;
}
