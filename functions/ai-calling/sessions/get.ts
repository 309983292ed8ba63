import { readSession } from "#core/ai-calling/session-reads.ts";
import { http } from "#core/http/pipeline.ts";
import { respond } from "#core/http/response.ts";
import { getSession } from "../call-routes.ts";

export const handler = http(getSession, async ({ params, caller }) => {
  const { session, source } = await readSession({ caller: caller!, sessionId: params.sessionId });
  return respond(200, session, { "x-session-source": source });
});
