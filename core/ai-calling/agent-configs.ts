/**
 * The config a call on a phone runs with: the phone's agent's `config`, with the phone's
 * `agentConfigOverride` laid over it. Objects merge key by key at every depth; arrays and
 * scalars in the override replace the agent's. The call workflows use `effectiveAgentConfig`
 * when they start a session (whose `agentConfig` is this snapshot).
 *
 * @example
 * effectiveAgentConfig(agent.config, { firstMessage: "Thanks for calling!", llm: { temperature: 0.2 } });
 * // the agent's config with that greeting, and its llm model and maxTokens kept at temperature 0.2
 */
import { isPlainObject } from "../db/merge-patch.ts";
import { openRepository, type Caller } from "../db/repository.ts";
import { NotFoundError } from "../errors.ts";
import { agents, type AgentConfig, type PartialAgentConfig } from "./agents.ts";
import { phones } from "./phones.ts";

type Json = Record<string, unknown>;

/** The agent's config with `override` deep-merged over it (neither argument is changed). */
export function effectiveAgentConfig(agentConfig: AgentConfig, override: PartialAgentConfig | undefined): AgentConfig {
  return deepMerge(agentConfig, override ?? {}) as AgentConfig;
}

function deepMerge(base: Json, override: Json): Json {
  const merged: Json = { ...base };
  for (const [key, value] of Object.entries(override)) {
    // An override that leaves a key out (or empty) keeps the agent's value.
    if (value === undefined || value === null) continue;
    const current = merged[key];
    merged[key] = isPlainObject(value) && isPlainObject(current) ? deepMerge(current, value) : value;
  }
  return merged;
}

/**
 * The effective config of one of the caller's phones.
 * @throws NotFoundError when the phone is not the caller's, has no agent, or its agent is gone.
 */
export async function phoneAgentConfig({ caller, phoneId }: { caller: Caller; phoneId: string }): Promise<AgentConfig> {
  const phone = await openRepository(phones, { caller }).get(phoneId);
  if (!phone.agentId) throw new NotFoundError("the phone has no agent assigned");
  const agent = await openRepository(agents, { caller }).get(phone.agentId);
  return effectiveAgentConfig(agent.config, phone.agentConfigOverride);
}
