import { agents } from "#core/ai-calling/agents.ts";
import { openRepository } from "#core/db/repository.ts";
import { http } from "#core/http/pipeline.ts";
import { updateAgent } from "../routes.ts";

export const handler = http(updateAgent, async ({ params, body, caller }) => agents.toApi(await openRepository(agents, { caller }).update(params.id, body)));
