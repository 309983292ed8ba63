/**
 * DelAuto's `apikeys` collection ("6. API Keys Collection" of its document): keys for external
 * integrations, sent as `X-API-Key`. Field names, enums and defaults are the document's.
 *
 * `key` holds the SHA-256 of the key (hex), never the key itself: the plaintext is shown once, in
 * the answer that creates it (`core/auth/api-keys.ts`). It is secret (never in a response) and
 * server-managed like the counters, so no create or patch input can set it.
 * `rate_limit.period` is in milliseconds, as the document has it (default 900000 = 15 minutes).
 *
 * @example
 * const keys = openRepository(apiKeys, { caller });
 * export type ApiKey = z.output<typeof apiKeys.stored>;
 */
import * as z from "zod";
import { defineCollection } from "../db/collection.ts";

export const API_KEY_ENVIRONMENTS = ["development", "staging", "production"] as const;
/** The document's defaults: 1000 requests per 15 minutes (`period` in ms). */
export const DEFAULT_API_KEY_RATE_LIMIT = { requests: 1000, period: 900_000 } as const;

export const apiKeys = defineCollection({
  system: "delauto",
  name: "apikeys",
  fields: (t) => ({
    _id: t.objectId(),
    key: z.string().min(1),
    name: z.string().min(1),
    description: z.string().optional(),
    environment: z.enum(API_KEY_ENVIRONMENTS).default("development"),
    // e.g. ['deliveries:read', 'deliveries:write']; the document names no wildcard, so exact match.
    permissions: z.array(z.string().min(1)).default([]),
    rate_limit: z.object({
      requests: z.number().int().positive().default(DEFAULT_API_KEY_RATE_LIMIT.requests),
      period: z.number().int().positive().default(DEFAULT_API_KEY_RATE_LIMIT.period),
    }).default({ ...DEFAULT_API_KEY_RATE_LIMIT }),
    is_active: z.boolean().default(true),
    created_by: t.objectId().optional(),
    last_used_at: t.date().optional(),
    usage_count: z.number().int().min(0).default(0),
    createdAt: t.date(),
    updatedAt: t.date(),
  }),
  // The agent who created the key; admins see and manage every key.
  owner: { field: "created_by", bypassRoles: ["admin"] },
  secret: ["key"],
  computed: ["key", "usage_count", "last_used_at"],
  indexes: [{ key: { key: 1 }, unique: true }],
  // Newest first walks the _id index; the document indexes nothing else a list could use.
  list: { defaultSort: "-_id" },
});

export type ApiKey = z.output<typeof apiKeys.stored>;
