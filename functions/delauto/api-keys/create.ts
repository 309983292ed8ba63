import * as ApiKeys from "#core/auth/api-keys.ts";
import { apiKeys } from "#core/delauto/api-keys.ts";
import { http } from "#core/http/pipeline.ts";
import { createApiKey } from "../routes.ts";

export const handler = http(createApiKey, async ({ body, caller }) => {
  const { key, document } = await ApiKeys.createApiKey({ ...body, createdBy: caller!.userId });
  return { ...apiKeys.toApi(document), key };
});
