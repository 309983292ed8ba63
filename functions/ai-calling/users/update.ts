import * as UserAdmin from "#core/ai-calling/user-admin.ts";
import { http } from "#core/http/pipeline.ts";
import { updateUser } from "../routes.ts";

export const handler = http(updateUser, async ({ params, body }) => UserAdmin.presentUser(await UserAdmin.updateUser({ id: params.id, patch: body })));
