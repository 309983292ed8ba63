/**
 * A call's conversation: the voice runtime appends each turn to the session while the call is
 * live (`lastActivityAt` moves with it, the Redis copy is rewritten), and when the call ends the
 * transcript of the call log is assembled from it in the document's format:
 *
 *   User: Hello
 *   Agent: Hi! How can I help you today?
 *
 * @example
 * const session = await appendTurn({ sessionId, caller, turn: { role: "user", content: "Hello" } });
 * const transcript = transcriptOf(session.conversationHistory);
 */
import type { Document } from "mongodb";
import * as z from "zod";
import { openRepository, type Caller } from "../db/repository.ts";
import { withDriverErrors } from "../db/errors.ts";
import { ConflictError, NotFoundError } from "../errors.ts";
import { cacheSession } from "./session-cache.ts";
import { MESSAGE_ROLES, sessions, type Session } from "./sessions.ts";

/** Bounds that keep a session well under MongoDB's 16 MiB document limit. */
export const MAX_TURN_CHARACTERS = 10_000;
export const MAX_TURNS = 1_000;

export const turnInput = z.strictObject({
  role: z.enum(MESSAGE_ROLES),
  content: z.string().min(1).max(MAX_TURN_CHARACTERS),
  /** When the turn was spoken; now when omitted. */
  timestamp: z.iso.datetime({ offset: true }).transform((text) => new Date(text)).optional(),
});
export type TurnInput = z.output<typeof turnInput>;

const SPEAKERS: Record<(typeof MESSAGE_ROLES)[number], string> = { user: "User", assistant: "Agent", system: "System" };

/** Appends a turn to the caller's active session, atomically, and refreshes the Redis copy. */
export async function appendTurn({ sessionId, caller, turn }: { sessionId: string; caller: Caller; turn: TurnInput }): Promise<Session> {
  const repository = openRepository(sessions, { caller });
  const now = new Date();
  const message = { role: turn.role, content: turn.content, timestamp: turn.timestamp ?? now };
  const updated = await withDriverErrors(() =>
    repository.collection.findOneAndUpdate(
      { sessionId, ...repository.scope, status: "active", [`conversationHistory.${MAX_TURNS - 1}`]: { $exists: false } },
      // The stored type's index signature (unknown fields kept) hides the array from the driver's types.
      { $push: { conversationHistory: message }, $set: { lastActivityAt: now, updatedAt: now } } as Document,
      { returnDocument: "after" },
    ),
  );
  if (!updated) throw await whyNotAppended(repository, sessionId);
  await cacheSession(updated as Session);
  return updated as Session;
}

async function whyNotAppended(repository: ReturnType<typeof openRepository<typeof sessions>>, sessionId: string): Promise<Error> {
  const session = await withDriverErrors(() => repository.collection.findOne({ sessionId, ...repository.scope }, { projection: { status: 1 } }));
  if (!session) return new NotFoundError("sessions not found");
  if (session.status !== "active") return new ConflictError("status", "The session has ended; no turn can be added");
  return new ConflictError("conversationHistory", `A session holds at most ${MAX_TURNS} turns`);
}

/** The call log's transcript: one `Speaker: text` line per turn, in the order spoken. */
export function transcriptOf(history: Session["conversationHistory"]): string {
  return [...history]
    .sort((a, b) => a.timestamp.getTime() - b.timestamp.getTime())
    .map((turn) => `${SPEAKERS[turn.role]}: ${turn.content}`)
    .join("\n");
}
