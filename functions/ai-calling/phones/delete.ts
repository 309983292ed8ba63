import { phones } from "#core/ai-calling/phones.ts";
import { openRepository } from "#core/db/repository.ts";
import { http } from "#core/http/pipeline.ts";
import { noContent } from "#core/http/response.ts";
import { deletePhone } from "../routes.ts";

export const handler = http(deletePhone, async ({ params, caller }) => {
  await openRepository(phones, { caller }).remove(params.id);
  return noContent();
});
