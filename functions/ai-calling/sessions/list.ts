import { sessions } from "#core/ai-calling/sessions.ts";
import { openRepository } from "#core/db/repository.ts";
import { http } from "#core/http/pipeline.ts";
import { listSessions } from "../call-routes.ts";

export const handler = http(listSessions, async ({ query, caller }) => {
  const page = await openRepository(sessions, { caller }).list(query);
  return { data: page.data.map(sessions.toApi), nextCursor: page.nextCursor };
});
