import { phones } from "#core/ai-calling/phones.ts";
import { openRepository } from "#core/db/repository.ts";
import { http } from "#core/http/pipeline.ts";
import { listPhones } from "../routes.ts";

export const handler = http(listPhones, async ({ query, caller }) => {
  const page = await openRepository(phones, { caller }).list(query);
  return { data: page.data.map(phones.toApi), nextCursor: page.nextCursor };
});
