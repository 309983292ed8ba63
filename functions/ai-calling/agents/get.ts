import { agents } from "#core/ai-calling/agents.ts";
import { openRepository } from "#core/db/repository.ts";
import { http } from "#core/http/pipeline.ts";
import { getAgent } from "../routes.ts";

export const handler = http(getAgent, async ({ params, caller }) => agents.toApi(await openRepository(agents, { caller }).get(params.id)));
