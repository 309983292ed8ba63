import * as AgentCatalog from "#core/ai-calling/agent-catalog.ts";
import { http } from "#core/http/pipeline.ts";
import { noContent } from "#core/http/response.ts";
import { deleteAgent } from "../routes.ts";

export const handler = http(deleteAgent, async ({ params, caller }) => {
  await AgentCatalog.removeAgent({ caller: caller!, id: params.id });
  return noContent();
});
