import * as ApiKeys from "#core/auth/api-keys.ts";
import { apiKeys } from "#core/delauto/api-keys.ts";
import { http } from "#core/http/pipeline.ts";
import { deactivateApiKey } from "../routes.ts";

export const handler = http(deactivateApiKey, async ({ params, caller }) => apiKeys.toApi(await ApiKeys.deactivateApiKey(params.id, { caller })));
