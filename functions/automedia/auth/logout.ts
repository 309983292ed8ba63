import * as Auth from "#core/automedia/auth.ts";
import { http } from "#core/http/pipeline.ts";
import { noContent } from "#core/http/response.ts";
import { logout } from "../routes.ts";

export const handler = http(logout, async ({ body }) => {
  await Auth.logout(body.refreshToken);
  return noContent();
});
