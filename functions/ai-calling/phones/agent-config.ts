import * as AgentConfigs from "#core/ai-calling/agent-configs.ts";
import { http } from "#core/http/pipeline.ts";
import { getPhoneAgentConfig } from "../routes.ts";

export const handler = http(getPhoneAgentConfig, async ({ params, caller }) => AgentConfigs.phoneAgentConfig({ caller: caller!, phoneId: params.id }));
