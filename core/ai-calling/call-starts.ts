/**
 * Starting a call, outbound or inbound, in one transaction: the caller's credits are held, the
 * call log and the session (with a snapshot of the effective agent config) are created together,
 * so neither exists without the other and two calls cannot spend the same credits. The session
 * is then cached in Redis.
 *
 *   user.credits ≥ hold ? credits −= hold : refused
 *   calllogs  { sessionId, status, direction, … }
 *   sessions  { sessionId, callLogId, agentConfig: agent ⊕ phone override, status: active }
 *
 * `releaseCall` undoes a start whose call never happened (Exotel refused it): the call log fails
 * with the reason, the session ends and the hold comes back, once.
 */
import { randomBytes } from "node:crypto";
import { ObjectId, type Document } from "mongodb";
import { mongoClient } from "../db/client.ts";
import { openRepository } from "../db/repository.ts";
import { withDriverErrors } from "../db/errors.ts";
import { ForbiddenError } from "../errors.ts";
import { effectiveAgentConfig } from "./agent-configs.ts";
import type { Agent } from "./agents.ts";
import { callLogs, type CallLog, type CallStatus } from "./call-logs.ts";
import type { Phone } from "./phones.ts";
import { CALL_CREDIT_HOLD } from "./pricing.ts";
import { cacheSession, forgetSession } from "./session-cache.ts";
import { sessions, type Session } from "./sessions.ts";
import { users } from "./users.ts";

export interface CallStart {
  direction: "inbound" | "outbound";
  status: CallStatus;
  userId: ObjectId;
  phone: Phone;
  agent: Agent;
  /** The other party's number. */
  otherParty: string;
  exotelCallSid?: string;
  metadata?: Record<string, unknown>;
  startedAt?: Date;
  /**
   * A session id derived from what identifies the call (an inbound CallSid), so that repeated
   * deliveries of the same start meet the unique index instead of creating a second call.
   */
  sessionId?: string;
}

export const newSessionId = (): string => `sess_${randomBytes(12).toString("base64url")}`;

/**
 * @throws ForbiddenError without credits; ConflictError (path `sessionId`) when a call with
 * `start.sessionId` exists already, in which case nothing was created or held.
 */
export async function startCall(start: CallStart): Promise<{ callLog: CallLog; session: Session }> {
  const now = new Date();
  const sessionId = start.sessionId ?? newSessionId();
  const outbound = start.direction === "outbound";
  const callLog = callLogs.stored.parse({
    _id: new ObjectId(), sessionId, userId: start.userId, agentId: start.agent._id,
    fromPhone: outbound ? start.phone.number : start.otherParty,
    toPhone: outbound ? start.otherParty : start.phone.number,
    direction: start.direction, status: start.status,
    ...(start.startedAt && { startedAt: start.startedAt }),
    ...(start.exotelCallSid && { exotelCallSid: start.exotelCallSid }),
    ...(start.metadata && { metadata: start.metadata }),
    createdAt: now, updatedAt: now,
  }) as CallLog;
  const session = sessions.stored.parse({
    _id: new ObjectId(), sessionId, userId: start.userId, agentId: start.agent._id, callLogId: callLog._id,
    userPhone: start.otherParty, agentPhone: start.phone.number,
    agentConfig: effectiveAgentConfig(start.agent.config, start.phone.agentConfigOverride),
    conversationHistory: [], status: "active",
    ...(start.exotelCallSid && { exotelCallSid: start.exotelCallSid }),
    ...(start.metadata && { metadata: start.metadata }),
    startedAt: start.startedAt ?? now, lastActivityAt: now, createdAt: now, updatedAt: now,
  }) as Session;

  await withDriverErrors(() =>
    mongoClient().withSession((transaction) =>
      transaction.withTransaction(async () => {
        const held = await openRepository(users).collection.updateOne(
          { _id: start.userId, isActive: true, credits: { $gte: CALL_CREDIT_HOLD } },
          { $inc: { credits: -CALL_CREDIT_HOLD } } as Document,
          { session: transaction },
        );
        if (held.modifiedCount === 0) throw new ForbiddenError(`Not enough credits: a call needs at least ${CALL_CREDIT_HOLD}`);
        await openRepository(callLogs).collection.insertOne(callLog as Document as CallLog, { session: transaction });
        await openRepository(sessions).collection.insertOne(session as Document as Session, { session: transaction });
      }),
    ),
  );
  await cacheSession(session);
  return { callLog, session };
}

/** The call never happened: fail its log with `error`, end its session, give the hold back. */
export async function releaseCall(callLog: CallLog, error: { code: string; message: string }): Promise<void> {
  const now = new Date();
  const nothing = { stt: 0, llm: 0, tts: 0, telephony: 0, total: 0 };
  await withDriverErrors(() =>
    mongoClient().withSession((transaction) =>
      transaction.withTransaction(async () => {
        // Settling with a zero cost marks the call as settled: nothing will charge it later.
        const failed = await openRepository(callLogs).collection.updateOne(
          { _id: callLog._id, costBreakdown: { $exists: false } },
          { $set: { status: "failed", error, endedAt: now, durationSec: 0, costBreakdown: nothing, updatedAt: now } },
          { session: transaction },
        );
        if (failed.modifiedCount === 0) return;
        await openRepository(users).collection.updateOne({ _id: callLog.userId }, { $inc: { credits: CALL_CREDIT_HOLD } } as Document, { session: transaction });
        await openRepository(sessions).collection.updateOne({ sessionId: callLog.sessionId }, { $set: { status: "ended", updatedAt: now } }, { session: transaction });
      }),
    ),
  );
  // The copy cached when the call started says active; reads fall back to MongoDB without it.
  await forgetSession(callLog.sessionId);
}
