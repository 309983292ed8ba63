import * as AgentCatalog from "#core/ai-calling/agent-catalog.ts";
import { agents } from "#core/ai-calling/agents.ts";
import { http } from "#core/http/pipeline.ts";
import { listAgents } from "../routes.ts";

export const handler = http(listAgents, async ({ query, caller }) => {
  const page = await AgentCatalog.listAgents({ caller: caller!, query });
  return { data: page.data.map(agents.toApi), nextCursor: page.nextCursor };
});
