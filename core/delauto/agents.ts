/**
 * DelAuto's `agents` ("1. Agents Collection" of its document): delivery agents and their
 * authentication data. Field names, enums, defaults and indexes are the document's (snake_case
 * fields, Mongoose `timestamps: true`, so `createdAt`/`updatedAt`). Agents sign in by email or
 * by phone, both unique; a login sets `last_login` and increments `login_count`.
 *
 * `password` holds the bcrypt hash and is secret (never in a response). The counters, the
 * performance metrics and the login record are server-managed, so no create or patch input sets
 * them. `current_location` is a GeoJSON Point (the document's 2dsphere index needs GeoJSON);
 * `push_subscription` is a Web Push subscription.
 *
 * @example
 * const agents = openRepository(agents, { caller });
 * export type Agent = z.output<typeof agents.stored>;
 */
import * as z from "zod";
import { defineCollection } from "../db/collection.ts";

/** A plain, linear-time email check (the document names none); the length is checked first. */
export const EMAIL_PATTERN = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;
export const AGENT_ROLES = ["agent", "admin"] as const;

export const agents = defineCollection({
  system: "delauto",
  name: "agents",
  fields: (t) => ({
    _id: t.objectId(),
    name: z.string().trim().min(1).max(100),
    phone: z.string().trim().min(1).max(32),
    email: z.string().trim().toLowerCase().max(254, { abort: true }).regex(EMAIL_PATTERN, "must be a valid email address"),
    password: z.string().min(1),
    role: z.enum(AGENT_ROLES).default("agent"),
    active_deliveries: z.number().int().min(0).default(0),
    current_location: z.object({
      type: z.literal("Point"),
      coordinates: z.array(z.number()).length(2),
    }).optional(),
    is_active: z.boolean().default(true),
    push_subscription: z.object({
      endpoint: z.string().min(1),
      expirationTime: z.number().nullable().optional(),
      keys: z.object({ auth: z.string().min(1), p256dh: z.string().min(1) }),
    }).optional(),
    last_login: t.date().optional(),
    login_count: z.number().int().min(0).default(0),
    performance_metrics: z.object({
      total_deliveries: z.number().int().min(0).default(0),
      successful_deliveries: z.number().int().min(0).default(0),
      average_rating: z.number().min(0).default(0),
      response_time: z.number().min(0).default(0), // minutes
    }).default({ total_deliveries: 0, successful_deliveries: 0, average_rating: 0, response_time: 0 }),
    createdAt: t.date(),
    updatedAt: t.date(),
  }),
  secret: ["password"],
  computed: ["active_deliveries", "last_login", "login_count", "performance_metrics"],
  indexes: [
    { key: { email: 1 }, unique: true },
    { key: { phone: 1 }, unique: true },
    { key: { role: 1 } },
    { key: { is_active: 1 } },
    { key: { "performance_metrics.total_deliveries": -1 } },
    { key: { current_location: "2dsphere" } },
  ],
  // Only what the documented indexes serve (the index coverage test holds this); newest first
  // is `-_id`, since ObjectIds grow with creation time.
  list: { filters: ["role", "is_active"], sorts: ["email", "phone"], defaultSort: "-_id" },
});

export type Agent = z.output<typeof agents.stored>;
