import { receivePassthru } from "#core/ai-calling/inbound-calls.ts";
import { http } from "#core/http/pipeline.ts";
import { respond } from "#core/http/response.ts";
import { exotelPassthru } from "../call-routes.ts";

// Sync Passthru reads only the status: 200 takes the flow's branch A, 302 its branch B.
export const handler = http(exotelPassthru, async ({ query }) => {
  const { account, token, ...passthru } = query;
  const answer = await receivePassthru({ account, token, query: passthru as Record<string, string | undefined> });
  return respond(answer === "connect" ? 200 : 302);
});
