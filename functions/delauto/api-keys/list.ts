import { apiKeys } from "#core/delauto/api-keys.ts";
import { openRepository } from "#core/db/repository.ts";
import { http } from "#core/http/pipeline.ts";
import { listApiKeys } from "../routes.ts";

export const handler = http(listApiKeys, async ({ query, caller }) => {
  const page = await openRepository(apiKeys, { caller }).list(query);
  return { data: page.data.map(apiKeys.toApi), nextCursor: page.nextCursor };
});
