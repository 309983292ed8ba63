import { phones } from "#core/ai-calling/phones.ts";
import { openRepository } from "#core/db/repository.ts";
import { http } from "#core/http/pipeline.ts";
import { getPhone } from "../routes.ts";

export const handler = http(getPhone, async ({ params, caller }) => phones.toApi(await openRepository(phones, { caller }).get(params.id)));
