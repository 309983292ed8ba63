/**
 * AI Calling `agents` (spec 004, "Agents Collection"): a user's AI voice agents. `config` is what
 * a call runs with (prompt, voice, language, LLM, flow); phones may override parts of it, and
 * each session keeps a snapshot. `stats` are maintained by the platform when calls end.
 *
 * @example
 * const agents = openRepository(Agents.agents, { caller });
 * const agent = await agents.create(body);
 */
import * as z from "zod";
import { defineCollection } from "../db/collection.ts";
import { LANGUAGE_TAG } from "./iso-codes.ts";

export const VOICE_PROVIDERS = ["openai", "elevenlabs", "cartesia"] as const;
export const LLM_MODELS = ["gpt-4", "gpt-3.5-turbo", "gpt-4-turbo"] as const;

const prompt = z.string().min(10).max(5000);
const voice = z.object({
  provider: z.enum(VOICE_PROVIDERS),
  voiceId: z.string().min(1),
  model: z.string().min(1).optional(),
  settings: z.record(z.string(), z.unknown()).optional(),
});
const language = z.string().regex(LANGUAGE_TAG, "must be an ISO 639-1 language code (e.g. en, es, hi-IN)");
const llm = z.object({
  model: z.enum(LLM_MODELS),
  temperature: z.number().min(0).max(2),
  maxTokens: z.number().int().positive().optional(),
});
const flow = z.object({
  userStartFirst: z.boolean().optional(),
  interruption: z.object({ allowed: z.boolean() }).optional(),
  responseDelay: z.number().min(0).optional(),
});
const extras = {
  firstMessage: z.string().min(1).max(5000).optional(),
  sessionTimeout: z.number().int().positive().optional(),
  flow: flow.optional(),
};

/** What a call runs with. */
export const agentConfig = z.object({ prompt, voice, language, llm, ...extras });
export type AgentConfig = z.output<typeof agentConfig>;

/**
 * Any part of a config, at any depth: a phone's `agentConfigOverride`, and the snapshot a session
 * keeps (the document's own example snapshot names only some parts). Bounds still hold.
 */
export const partialAgentConfig = z.object({
  prompt: prompt.optional(),
  voice: voice.partial().optional(),
  language: language.optional(),
  llm: llm.partial().optional(),
  ...extras,
});
export type PartialAgentConfig = z.output<typeof partialAgentConfig>;

/** The tag of a user's cached agent lists (the routes' `agents:{caller}`), for writes made for them. */
export const agentsCacheCovers = (userId: { toHexString(): string }): string => `agents:${userId.toHexString()}`;

export const EMPTY_STATS = { totalCalls: 0, totalDuration: 0, avgDuration: 0, successRate: 0 } as const;

export const agents = defineCollection({
  system: "ai-calling",
  name: "agents",
  fields: (t) => ({
    _id: t.objectId(),
    userId: t.objectId(),
    name: z.string().trim().min(1).max(100),
    config: agentConfig,
    isActive: z.boolean().default(true),
    stats: z.object({
      totalCalls: z.number().int().min(0),
      totalDuration: z.number().min(0),
      avgDuration: z.number().min(0),
      successRate: z.number().min(0).max(1),
    }).optional(),
    createdAt: t.date(),
    updatedAt: t.date(),
  }),
  owner: { field: "userId" },
  computed: ["stats"],
  indexes: [
    { key: { userId: 1, createdAt: -1 } },
    { key: { userId: 1, isActive: 1 } },
    { key: { name: "text" } },
  ],
  // Owner-scoped lists walk { userId, createdAt } (newest first) or { userId, isActive }.
  list: { filters: ["isActive"], sorts: ["createdAt"], defaultSort: "-createdAt" },
});

export type Agent = z.output<typeof agents.stored>;
