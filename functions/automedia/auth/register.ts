import { accounts } from "#core/automedia/accounts.ts";
import * as Accounts from "#core/auth/accounts.ts";
import { http } from "#core/http/pipeline.ts";
import { register } from "../routes.ts";

export const handler = http(register, async ({ body, event }) =>
  Accounts.register(accounts, body, { ip: event.requestContext.http.sourceIp, userAgent: event.requestContext.http.userAgent }));
