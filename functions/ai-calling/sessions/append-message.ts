import { appendTurn } from "#core/ai-calling/conversations.ts";
import { sessions } from "#core/ai-calling/sessions.ts";
import { http } from "#core/http/pipeline.ts";
import { appendSessionMessage } from "../call-routes.ts";

export const handler = http(appendSessionMessage, async ({ params, body, caller }) =>
  sessions.toApi(await appendTurn({ sessionId: params.sessionId, caller: caller!, turn: body })));
