import * as UserAdmin from "#core/ai-calling/user-admin.ts";
import { users } from "#core/ai-calling/users.ts";
import { openRepository } from "#core/db/repository.ts";
import { http } from "#core/http/pipeline.ts";
import { getUser } from "../routes.ts";

export const handler = http(getUser, async ({ params }) => UserAdmin.presentUser(await openRepository(users).get(params.id)));
