/**
 * AutoMedia `users` (spec 003, "1. users"): accounts with bcrypt password hashes, a profile,
 * preferences, settings (the user's own third-party API keys, encrypted at rest and never shown),
 * a subscription and statistics the server maintains. The document names no role: every account
 * is a `user` (see `core/automedia/accounts.ts`).
 */
import * as z from "zod";
import { defineCollection } from "../db/collection.ts";

/** One address, the RFC 5322 "addr-spec" in its common shape, linear-time. */
export const EMAIL_PATTERN = /^[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\.[a-zA-Z]{2,}$/;

export const users = defineCollection({
  system: "automedia",
  name: "users",
  fields: (t) => ({
    _id: t.objectId(),
    email: z.string().trim().toLowerCase().max(254, { abort: true }).regex(EMAIL_PATTERN, "must be a valid email address"),
    password: z.string().min(1),
    profile: z.object({
      firstName: z.string().trim().min(1).max(50).optional(),
      lastName: z.string().trim().min(1).max(50).optional(),
      avatar: z.string().max(2048).optional(),
      bio: z.string().max(500).optional(),
      website: z.string().max(2048).optional(),
      location: z.string().max(100).optional(),
      timezone: z.string().max(64).optional(),
    }).default({}),
    preferences: z.object({
      language: z.string().max(16).default("en"),
      theme: z.string().max(16).optional(),
      notifications: z.object({
        email: z.boolean().default(true),
        push: z.boolean().default(true),
        telegram: z.boolean().default(false),
      }).default({ email: true, push: true, telegram: false }),
      privacy: z.object({
        profileVisibility: z.string().max(32).optional(),
        activityVisibility: z.string().max(32).optional(),
      }).optional(),
      contentDefaults: z.object({
        defaultAIModel: z.string().max(100).optional(),
        defaultAgent: t.objectId().optional(),
        defaultPlatform: z.string().max(50).optional(),
      }).optional(),
    }).default({ language: "en", notifications: { email: true, push: true, telegram: false } }),
    settings: z.object({
      apiKeys: z.array(z.object({
        provider: z.string().min(1).max(50),
        key: z.string().min(1),
        label: z.string().max(100).optional(),
        isActive: z.boolean().default(true),
        createdAt: t.date().optional(),
        lastUsed: t.date().optional(),
      })).default([]),
      rateLimits: z.object({
        dailyGenerationLimit: z.number().int().min(0).optional(),
        monthlyCollectionLimit: z.number().int().min(0).optional(),
      }).optional(),
      features: z.object({
        betaAccess: z.boolean().default(false),
        advancedAnalytics: z.boolean().default(false),
      }).optional(),
    }).default({ apiKeys: [] }),
    subscription: z.object({
      plan: z.string().max(32),
      status: z.string().max(32),
      currentPeriodStart: t.date().optional(),
      currentPeriodEnd: t.date().optional(),
      cancelAtPeriodEnd: z.boolean().default(false),
    }).optional(),
    statistics: z.object({
      totalContentGenerated: z.number().int().min(0).default(0),
      totalContentCollected: z.number().int().min(0).default(0),
      totalTokensUsed: z.number().int().min(0).default(0),
      lastActivity: t.date().optional(),
    }).default({ totalContentGenerated: 0, totalContentCollected: 0, totalTokensUsed: 0 }),
    isActive: z.boolean().default(true),
    isVerified: z.boolean().default(false),
    createdAt: t.date(),
    updatedAt: t.date(),
  }),
  secret: ["password"],
  encrypted: ["settings.apiKeys.key"],
  computed: ["subscription", "statistics", "isVerified", "settings.rateLimits", "settings.features"],
  indexes: [
    { key: { email: 1 }, unique: true },
    { key: { createdAt: -1 } },
    { key: { "subscription.status": 1 } },
    { key: { isActive: 1 } },
  ],
  // Only what the documented indexes serve (the index coverage test holds this); newest first
  // is `-_id`, since ObjectIds grow with creation time.
  list: { filters: ["isActive", "subscription.status"], sorts: ["email"], defaultSort: "-_id" },
});

export type User = z.output<typeof users.stored>;
