/**
 * Car Sales `users` (spec 000, "User Schema"): dealership staff with bcrypt password hashes, a
 * role, a profile, preferences and a subscription the server manages. `loginAttempts` and
 * `lockUntil` carry the document's account lock (`core/auth/account-lockout.ts`).
 *
 * The email rule is the document's pattern in a linear-time spelling. The document's own
 * pattern, `^\w+([.-]?\w+)*@…`, backtracks exponentially: `\w+([.-]?\w+)*` can split a run of word
 * characters every possible way, so 30 `a`s and a `!` take seconds and 254 take forever, and a
 * length cap alone does not save it. `\w+([.-]\w+)*` matches exactly the same strings (word
 * characters with single `.`/`-` between them) with one way to split each, and the test holds
 * both patterns to the same answers. The length is still checked first, and aborts.
 */
import * as z from "zod";
import { defineCollection } from "../db/collection.ts";

/** The document's email pattern, as it writes it (exponential-time: never run it on input). */
export const DOCUMENT_EMAIL_PATTERN = /^\w+([.-]?\w+)*@\w+([.-]?\w+)*(\.\w{2,3})+$/;
/** The same language as `DOCUMENT_EMAIL_PATTERN`, without its backtracking. */
export const EMAIL_PATTERN = /^\w+([.-]\w+)*@\w+([.-]\w+)*(\.\w{2,3})+$/;
/** The document's phone pattern (the validator rewrites its class for PCRE). */
export const PHONE_PATTERN = /^\+?[\d\s-()]+$/;

export const ROLES = ["admin", "manager", "salesperson"] as const;
export const LANGUAGES = ["en", "es", "fr"] as const;
export const THEMES = ["light", "dark", "auto"] as const;
export const PLANS = ["free", "basic", "premium", "enterprise"] as const;
export const FEATURES = ["voice_training", "content_creation", "remote_execution", "analytics", "api_access"] as const;

export const users = defineCollection({
  system: "car-sales",
  name: "users",
  fields: (t) => ({
    _id: t.objectId(),
    // zod runs every check unless one aborts: the cap must stop the regex from seeing long input.
    email: z.string().trim().toLowerCase().max(254, { abort: true }).regex(EMAIL_PATTERN, "Please enter a valid email"),
    password: z.string().min(8),
    role: z.enum(ROLES).default("salesperson"),
    profile: z.object({
      firstName: z.string().trim().min(1).max(50),
      lastName: z.string().trim().min(1).max(50),
      phone: z.string().trim().regex(PHONE_PATTERN, "Please enter a valid phone number").optional(),
      dealership: z.string().trim().max(100).optional(),
      avatar: z.string().nullable().default(null),
    }),
    preferences: z.object({
      language: z.enum(LANGUAGES).default("en"),
      theme: z.enum(THEMES).default("light"),
      notifications: z.object({
        email: z.boolean().default(true),
        push: z.boolean().default(true),
        sms: z.boolean().default(false),
      }).default({ email: true, push: true, sms: false }),
      timezone: z.string().default("UTC"),
    }).default({ language: "en", theme: "light", notifications: { email: true, push: true, sms: false }, timezone: "UTC" }),
    subscription: z.object({
      plan: z.enum(PLANS).default("free"),
      startDate: t.date().default(() => new Date()),
      endDate: t.date().optional(),
      features: z.array(z.enum(FEATURES)).default([]),
    }).default(() => ({ plan: "free" as const, startDate: new Date(), features: [] })),
    isActive: z.boolean().default(true),
    lastLogin: t.date().optional(),
    loginAttempts: z.number().int().min(0).default(0),
    lockUntil: t.date().optional(),
    createdAt: t.date(),
    updatedAt: t.date(),
  }),
  secret: ["password"],
  computed: ["subscription", "lastLogin", "loginAttempts", "lockUntil"],
  indexes: [
    { key: { email: 1 }, unique: true },
    { key: { role: 1 } },
    { key: { "profile.dealership": 1 } },
    { key: { "subscription.plan": 1 } },
    { key: { isActive: 1 } },
  ],
  // Only what the documented indexes serve (the index coverage test holds this); newest first
  // is `-_id`, since ObjectIds grow with creation time.
  list: { filters: ["role", "isActive", "profile.dealership", "subscription.plan"], sorts: ["email"], defaultSort: "-_id" },
});

export type User = z.output<typeof users.stored>;
