import * as UserAdmin from "#core/ai-calling/user-admin.ts";
import { http } from "#core/http/pipeline.ts";
import { noContent } from "#core/http/response.ts";
import { deleteUser } from "../routes.ts";

export const handler = http(deleteUser, async ({ params }) => {
  await UserAdmin.removeUser({ id: params.id });
  return noContent();
});
