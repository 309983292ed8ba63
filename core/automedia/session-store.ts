/**
 * AutoMedia's `SessionStore`: keeps the document's `sessions` beside the Redis refresh families.
 * Each login creates one document per refresh family, each refresh moves it to the new pair's
 * hashes (SHA-256, never a token), and a logout or a replayed refresh token deletes the family's
 * document. `expiresAt` is the refresh token's expiry, where the TTL index removes it anyway.
 *
 * @example
 * await issueSession({ system: "automedia", userId, role: "user" }, { store: sessionStore({ ip, userAgent }) });
 */
import { createHash } from "node:crypto";
import { ObjectId } from "mongodb";
import type { SessionContext } from "../auth/accounts.ts";
import type { IssuedSession, SessionStore } from "../auth/tokens.ts";
import { database } from "../db/client.ts";
import { sessions } from "./sessions.ts";

export const hashToken = (token: string): string => createHash("sha256").update(token).digest("hex");

const collection = () => database("automedia").collection(sessions.name);

export function sessionStore({ ip, userAgent }: SessionContext = {}): SessionStore {
  const client = { ...(ip && { ipAddress: ip.slice(0, 64) }), ...(userAgent && { userAgent: userAgent.slice(0, 1024) }) };
  return {
    async onIssued(session: IssuedSession): Promise<void> {
      if (session.system !== "automedia") return;
      const now = new Date();
      await collection().updateOne(
        { familyId: session.familyId },
        {
          $set: {
            token: hashToken(session.accessToken),
            refreshToken: hashToken(session.refreshToken),
            ...client,
            isActive: true,
            lastActivity: now,
            expiresAt: session.refreshExpiresAt,
          },
          $setOnInsert: { userId: ObjectId.createFromHexString(session.userId), familyId: session.familyId, createdAt: now },
        },
        { upsert: true },
      );
    },
    async onRevoked({ system, familyId }): Promise<void> {
      if (system !== "automedia") return;
      await collection().deleteOne({ familyId });
    },
  };
}
