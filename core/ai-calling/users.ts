/**
 * AI Calling `users` (spec 004, "Users Collection"): accounts with bcrypt password hashes, a role,
 * calling credits and the user's own Exotel credentials, which are encrypted at rest and never
 * shown. The validator is derived from these fields and carries every rule of the document's own
 * `$jsonSchema` (required email/password/name/role, the email pattern, the role enum, credits ≥ 0).
 */
import * as z from "zod";
import { defineCollection } from "../db/collection.ts";

/** The document's email pattern, exactly as its validator writes it. */
export const EMAIL_PATTERN = /^[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\.[a-zA-Z]{2,}$/;

export const ROLES = ["user", "admin"] as const;

export const users = defineCollection({
  system: "ai-calling",
  name: "users",
  fields: (t) => ({
    _id: t.objectId(),
    email: z.string().trim().max(254).regex(EMAIL_PATTERN, "must be a valid email address"),
    password: z.string().min(1),
    name: z.string().trim().min(1).max(100),
    // Required, as the document's own validator has it; accounts are created with role "user".
    role: z.enum(ROLES),
    credits: z.number().min(0).default(0),
    exotelConfig: z.object({
      apiKey: z.string().min(1),
      apiToken: z.string().min(1),
      sid: z.string().min(1),
      subdomain: z.string().min(1),
    }).optional(),
    isActive: z.boolean().default(true),
    lastLoginAt: t.date().optional(),
    createdAt: t.date(),
    updatedAt: t.date(),
  }),
  secret: ["password", "exotelConfig"],
  encrypted: ["exotelConfig.apiKey", "exotelConfig.apiToken"],
  // The document's own example user holds "encrypted_token_here": its app's format, not ours.
  encryptedAdmitsPlaintext: true,
  computed: ["credits", "lastLoginAt"],
  indexes: [
    { key: { email: 1 }, unique: true },
    { key: { createdAt: -1 } },
    { key: { isActive: 1 } },
  ],
  // Only what the documented indexes serve (the index coverage test holds this); newest first
  // is `-_id`, since ObjectIds grow with creation time.
  list: { filters: ["isActive"], sorts: ["email"], defaultSort: "-_id" },
});

export type User = z.output<typeof users.stored>;
