import * as UserAdmin from "#core/ai-calling/user-admin.ts";
import { users } from "#core/ai-calling/users.ts";
import { openRepository } from "#core/db/repository.ts";
import { http } from "#core/http/pipeline.ts";
import { listUsers } from "../routes.ts";

export const handler = http(listUsers, async ({ query }) => {
  const page = await openRepository(users).list(query);
  return { data: page.data.map(UserAdmin.presentUser), nextCursor: page.nextCursor };
});
