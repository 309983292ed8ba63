/**
 * AI Calling `calllogs` (spec 004, "CallLogs Collection"): one per call, inbound or outbound,
 * written by the call workflows (never by a client): status as Exotel reports it, timing, the
 * transcript assembled from the session, our copy of the recording, the cost breakdown.
 */
import * as z from "zod";
import { defineCollection } from "../db/collection.ts";

export const CALL_DIRECTIONS = ["inbound", "outbound"] as const;
export const CALL_STATUSES = [
  "initiated", "ringing", "in-progress", "completed", "failed", "no-answer", "busy", "canceled", "user-ended", "agent-ended",
] as const;
export type CallStatus = (typeof CALL_STATUSES)[number];

const cost = z.number().min(0);

export const callLogs = defineCollection({
  system: "ai-calling",
  name: "calllogs",
  fields: (t) => ({
    _id: t.objectId(),
    sessionId: z.string().min(1),
    userId: t.objectId(),
    agentId: t.objectId(),
    fromPhone: z.string().min(1),
    toPhone: z.string().min(1),
    direction: z.enum(CALL_DIRECTIONS),
    status: z.enum(CALL_STATUSES),
    startedAt: t.date().optional(),
    endedAt: t.date().optional(),
    durationSec: z.number().min(0).optional(),
    transcript: z.string().optional(),
    recordingUrl: z.string().min(1).optional(),
    exotelCallSid: z.string().min(1).optional(),
    costBreakdown: z.object({ stt: cost, llm: cost, tts: cost, telephony: cost, total: cost }).optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
    error: z.object({ code: z.string(), message: z.string() }).optional(),
    createdAt: t.date(),
    updatedAt: t.date(),
  }),
  owner: { field: "userId" },
  indexes: [
    { key: { sessionId: 1 }, unique: true },
    { key: { userId: 1, createdAt: -1 } },
    { key: { agentId: 1, createdAt: -1 } },
    { key: { status: 1, createdAt: -1 } },
    { key: { direction: 1, createdAt: -1 } },
    { key: { fromPhone: 1 } },
    { key: { toPhone: 1 } },
    { key: { exotelCallSid: 1 } },
    { key: { startedAt: -1, endedAt: -1 } },
  ],
  list: { filters: ["status", "direction", "agentId", "fromPhone", "toPhone"], sorts: ["createdAt"], defaultSort: "-createdAt" },
});

export type CallLog = z.output<typeof callLogs.stored>;
