import { accounts } from "#core/automedia/accounts.ts";
import * as Accounts from "#core/auth/accounts.ts";
import { http } from "#core/http/pipeline.ts";
import { login } from "../routes.ts";

export const handler = http(login, async ({ body, event }) =>
  Accounts.login(accounts, body, event.requestContext.http.sourceIp, event.requestContext.http.userAgent));
