import { receiveStatusCallback } from "#core/ai-calling/status-callbacks.ts";
import { http } from "#core/http/pipeline.ts";
import { exotelStatusCallback } from "../call-routes.ts";

export const handler = http(exotelStatusCallback, async ({ query, body }) => {
  const { status, advanced } = await receiveStatusCallback({ sessionId: query.sessionId, token: query.token, body });
  return { received: true, status, advanced };
});
