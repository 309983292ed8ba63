/**
 * Sales Automation `users` (spec 002, "Users Collection"): accounts with bcrypt password hashes
 * (10 rounds), a role, the onboarding state and business information, the user's platform
 * connections and the state of their global AI. Indexes as the document lists them: `email`
 * (unique) and `createdAt` (descending).
 *
 * The document gives no email pattern; this is the platform's linear-time one (no nested
 * quantifiers, so no catastrophic backtracking), checked after a length cap that aborts.
 * Page access tokens of the connected platforms are provider credentials: encrypted at rest and
 * never shown. Connections and the AI's training state are the server's to maintain.
 */
import * as z from "zod";
import { defineCollection } from "../db/collection.ts";

/** A plain email address (linear-time: no nested quantifiers). */
export const EMAIL_PATTERN = /^[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\.[a-zA-Z]{2,}$/;

export const ROLES = ["user", "admin"] as const;
/** The platforms a user connects, each kept as the document's `integrations.facebook` shape. */
export const PLATFORMS = ["facebook", "instagram", "whatsapp"] as const;

export const users = defineCollection({
  system: "sales-automation",
  name: "users",
  fields: (t) => {
    const integration = z.object({
      connected: z.boolean().default(false),
      pageId: z.string().optional(),
      pageAccessToken: z.string().optional(),
      connectedAt: t.date().optional(),
    });
    return {
      _id: t.objectId(),
      // zod runs every check unless one aborts: the cap keeps long input from the regex.
      email: z.string().trim().toLowerCase().max(254, { abort: true }).regex(EMAIL_PATTERN, "must be a valid email address"),
      password: z.string().min(1),
      role: z.enum(ROLES).default("user"),
      onboardingCompleted: z.boolean().default(false),
      businessInfo: z.object({
        businessName: z.string().trim().max(200).optional(),
        ownerName: z.string().trim().max(200).optional(),
        industry: z.string().trim().max(100).optional(),
        description: z.string().trim().max(5000).optional(),
        website: z.string().trim().max(2048).optional(),
        phone: z.string().trim().max(50).optional(),
        documents: z.array(z.object({
          name: z.string().min(1).max(255),
          url: z.string().min(1).max(2048),
          uploadedAt: t.date().optional(),
        })).max(100).default([]),
      }).optional(),
      integrations: z.object({
        facebook: integration.optional(),
        instagram: integration.optional(),
        whatsapp: integration.optional(),
      }).optional(),
      globalAI: z.object({
        trained: z.boolean().default(false),
        lastTrainedAt: t.date().optional(),
        knowledgeBase: z.string().optional(),
      }).default({ trained: false }),
      createdAt: t.date(),
      updatedAt: t.date(),
    };
  },
  secret: ["password"],
  encrypted: PLATFORMS.map((platform) => `integrations.${platform}.pageAccessToken`),
  computed: ["integrations", "globalAI"],
  indexes: [
    { key: { email: 1 }, unique: true },
    { key: { createdAt: -1 } },
  ],
  // Only what the documented indexes serve (the index coverage test holds this); newest first
  // is `-_id`, since ObjectIds grow with creation time.
  list: { filters: [], sorts: ["email"], defaultSort: "-_id" },
});

export type User = z.output<typeof users.stored>;
