/**
 * Ending a call, once and only once, after Exotel's call-details API has confirmed it:
 *
 *   confirmed terminal status + duration
 *        │  one transaction
 *        ├─ call log: status, times, duration, transcript, costBreakdown   (only if not settled)
 *        ├─ user: credits = max(0, credits + hold − total)                  (the hold comes back)
 *        ├─ agent: stats (calls, duration, average, success rate)
 *        └─ session: ended
 *        │  after commit
 *        └─ Redis copy of the session rewritten, cached agent lists dropped
 *
 * `costBreakdown` marks a settled call: the transaction only proceeds when it sets it, so a
 * duplicate callback, a retry and the reconciliation cron can all call this safely.
 *
 * @example
 * const settled = await settleCall({ callLog, confirmed: { status: "completed", durationSec: 131, price: 0.03 } });
 */
import type { ClientSession, Document } from "mongodb";
import { apiCacheTagKey, invalidate } from "../cache/api-cache.ts";
import { mongoClient } from "../db/client.ts";
import { openRepository } from "../db/repository.ts";
import { withDriverErrors } from "../db/errors.ts";
import { log } from "../log.ts";
import { agents, agentsCacheCovers, EMPTY_STATS } from "./agents.ts";
import { callLogs, type CallLog, type CallStatus } from "./call-logs.ts";
import { transcriptOf } from "./conversations.ts";
import { CALL_CREDIT_HOLD, callCost } from "./pricing.ts";
import { cacheSession } from "./session-cache.ts";
import { sessions, type Session } from "./sessions.ts";
import { users } from "./users.ts";

/** What Exotel's call details say about a call that has ended. */
export interface ConfirmedCall {
  status: CallStatus;
  durationSec: number;
  startedAt?: Date;
  endedAt?: Date;
  /** Exotel's price for the call, when it gives one. */
  price?: number;
}

/** Settles the call; answers the settled call log, or undefined when it was settled already. */
export async function settleCall({ callLog, confirmed }: { callLog: CallLog; confirmed: ConfirmedCall }): Promise<CallLog | undefined> {
  const session = await withDriverErrors(() => openRepository(sessions).collection.findOne({ sessionId: callLog.sessionId }));
  const history = session?.conversationHistory ?? [];
  const costBreakdown = callCost({
    durationSec: confirmed.durationSec,
    model: session?.agentConfig.llm?.model,
    prompt: session?.agentConfig.prompt,
    history,
    telephonyPrice: confirmed.price,
  });
  const now = new Date();
  const settled: Document = {
    status: confirmed.status,
    durationSec: confirmed.durationSec,
    endedAt: confirmed.endedAt ?? now,
    transcript: transcriptOf(history),
    costBreakdown,
    updatedAt: now,
    ...(confirmed.startedAt && { startedAt: confirmed.startedAt }),
  };

  const applied = await withDriverErrors(() =>
    mongoClient().withSession((transaction) =>
      transaction.withTransaction(async () => {
        const marked = await openRepository(callLogs).collection.updateOne({ _id: callLog._id, costBreakdown: { $exists: false } }, { $set: settled }, { session: transaction });
        if (marked.modifiedCount === 0) return false;
        await chargeCredits(callLog, costBreakdown.total, transaction);
        await recordAgentStats(callLog, confirmed, transaction);
        await openRepository(sessions).collection.updateOne({ sessionId: callLog.sessionId }, { $set: { status: "ended", updatedAt: now, lastActivityAt: session?.lastActivityAt ?? now } }, { session: transaction });
        return true;
      }),
    ),
  );
  if (!applied) return undefined;

  if (session) await cacheSession({ ...session, status: "ended", updatedAt: now } as Session);
  await invalidate({ tags: [apiCacheTagKey("ai-calling", agentsCacheCovers(callLog.userId))] }).catch((error: unknown) =>
    log.warn("call settlement: cached agent lists not invalidated; they expire within their TTL", { sessionId: callLog.sessionId, error }),
  );
  return { ...callLog, ...settled } as CallLog;
}

/** Gives back the hold taken when the call started and takes the real cost, never below zero. */
async function chargeCredits(callLog: CallLog, total: number, transaction: ClientSession): Promise<void> {
  await openRepository(users).collection.updateOne(
    { _id: callLog.userId },
    [{ $set: { credits: { $max: [0, { $subtract: [{ $add: [{ $ifNull: ["$credits", 0] }, CALL_CREDIT_HOLD] }, total] }] } } }],
    { session: transaction },
  );
}

async function recordAgentStats(callLog: CallLog, confirmed: ConfirmedCall, transaction: ClientSession): Promise<void> {
  const succeeded = confirmed.status === "completed" ? 1 : 0;
  const calls = { $add: ["$$s.totalCalls", 1] };
  const duration = { $add: ["$$s.totalDuration", confirmed.durationSec] };
  await openRepository(agents).collection.updateOne(
    { _id: callLog.agentId },
    [{
      $set: {
        stats: {
          $let: {
            vars: { s: { $ifNull: ["$stats", EMPTY_STATS] } },
            in: {
              totalCalls: calls,
              totalDuration: duration,
              avgDuration: { $divide: [duration, calls] },
              successRate: { $divide: [{ $add: [{ $multiply: ["$$s.successRate", "$$s.totalCalls"] }, succeeded] }, calls] },
            },
          },
        },
      },
    }],
    { session: transaction },
  );
}
