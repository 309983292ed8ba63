/**
 * AutoMedia `sessions` (spec 003, "8. sessions"): one document per signed-in session, written by
 * `core/automedia/session-store.ts`. `token` and `refreshToken` hold SHA-256 hashes (hex) of the
 * current pair, never the tokens; `expiresAt` is the refresh token's expiry, and the TTL index
 * (`expireAfterSeconds: 0`) lets MongoDB drop the document then.
 *
 * `familyId` is not in the document: it names the refresh-token family (`core/auth/tokens.ts`),
 * so that a refresh updates the same document and a logout finds it.
 */
import * as z from "zod";
import { defineCollection } from "../db/collection.ts";

/** SHA-256, hex. */
export const TOKEN_HASH = /^[0-9a-f]{64}$/;

export const sessions = defineCollection({
  system: "automedia",
  name: "sessions",
  fields: (t) => ({
    _id: t.objectId(),
    userId: t.objectId(),
    familyId: z.string().min(1).max(64),
    token: z.string().regex(TOKEN_HASH),
    refreshToken: z.string().regex(TOKEN_HASH),
    userAgent: z.string().max(1024).optional(),
    ipAddress: z.string().max(64).optional(),
    location: z.object({
      country: z.string().max(100).optional(),
      city: z.string().max(100).optional(),
      coordinates: z.object({ lat: z.number().min(-90).max(90), lng: z.number().min(-180).max(180) }).optional(),
    }).optional(),
    deviceInfo: z.object({
      type: z.string().max(32).optional(),
      os: z.string().max(100).optional(),
      browser: z.string().max(100).optional(),
    }).optional(),
    isActive: z.boolean().default(true),
    lastActivity: t.date(),
    expiresAt: t.date(),
    createdAt: t.date(),
  }),
  // The document has `createdAt` only; the store writes it.
  timestamps: false,
  owner: { field: "userId" },
  secret: ["token", "refreshToken", "familyId"],
  indexes: [
    { key: { token: 1 }, unique: true },
    { key: { userId: 1 } },
    { key: { isActive: 1 } },
    { key: { expiresAt: 1 }, expireAfterSeconds: 0 },
    { key: { familyId: 1 }, unique: true },
  ],
  list: { filters: ["isActive"], sorts: ["expiresAt"], defaultSort: "-_id" },
});

export type StoredSession = z.output<typeof sessions.stored>;
