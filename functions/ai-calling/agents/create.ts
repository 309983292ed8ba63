import { agents } from "#core/ai-calling/agents.ts";
import { openRepository } from "#core/db/repository.ts";
import { http } from "#core/http/pipeline.ts";
import { createAgent } from "../routes.ts";

export const handler = http(createAgent, async ({ body, caller }) => agents.toApi(await openRepository(agents, { caller }).create(body)));
