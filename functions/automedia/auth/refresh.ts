import { accounts } from "#core/automedia/accounts.ts";
import * as Accounts from "#core/auth/accounts.ts";
import { http } from "#core/http/pipeline.ts";
import { refresh } from "../routes.ts";

export const handler = http(refresh, async ({ body, event }) =>
  Accounts.refresh(accounts, body.refreshToken, { ip: event.requestContext.http.sourceIp, userAgent: event.requestContext.http.userAgent }));
