import { accounts } from "#core/automedia/accounts.ts";
import * as Accounts from "#core/auth/accounts.ts";
import { http } from "#core/http/pipeline.ts";
import { noContent } from "#core/http/response.ts";
import { logout } from "../routes.ts";

export const handler = http(logout, async ({ body }) => {
  await Accounts.logout(accounts, body.refreshToken);
  return noContent();
});
