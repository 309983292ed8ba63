/**
 * AI Calling `phones` (spec 004, "Phones Collection"): a user's Exotel numbers (E.164, unique
 * across the platform), each optionally answered by one of the user's agents, whose config the
 * phone may override in part (`agentConfigOverride`, deep-merged over the agent's).
 */
import * as z from "zod";
import { defineCollection } from "../db/collection.ts";
import { partialAgentConfig } from "./agents.ts";
import { ISO_3166_1_COUNTRIES } from "./iso-codes.ts";

/** E.164: a plus, a country code that does not start with 0, at most 15 digits in all. */
export const E164 = /^\+[1-9]\d{1,14}$/;
export const PHONE_PROVIDERS = ["exotel"] as const;
export const PHONE_STATUSES = ["active", "inactive"] as const;
export const MAX_TAGS = 10;

export const phones = defineCollection({
  system: "ai-calling",
  name: "phones",
  fields: (t) => ({
    _id: t.objectId(),
    userId: t.objectId(),
    number: z.string().regex(E164, "must be an E.164 number such as +919876543210"),
    country: z.enum(ISO_3166_1_COUNTRIES, { error: "must be an ISO 3166-1 alpha-2 country code such as IN" }),
    provider: z.enum(PHONE_PROVIDERS).default("exotel"),
    agentId: t.objectId().optional(),
    tags: z.array(z.string().trim().min(1).max(50)).max(MAX_TAGS, `at most ${MAX_TAGS} tags`).default([]),
    status: z.enum(PHONE_STATUSES).default("active"),
    exotelData: z.object({ sid: z.string().min(1), appId: z.string().min(1).optional() }).optional(),
    agentConfigOverride: partialAgentConfig.optional(),
    createdAt: t.date(),
    updatedAt: t.date(),
  }),
  owner: { field: "userId" },
  indexes: [
    { key: { number: 1 }, unique: true },
    { key: { userId: 1, status: 1 } },
    { key: { agentId: 1 } },
    { key: { tags: 1 } },
  ],
  list: { filters: ["status", "agentId", "tags"], defaultSort: "-_id" },
});

export type Phone = z.output<typeof phones.stored>;
