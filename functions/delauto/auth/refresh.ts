import { accounts } from "#core/delauto/accounts.ts";
import * as Accounts from "#core/auth/accounts.ts";
import { http } from "#core/http/pipeline.ts";
import { refresh } from "../routes.ts";

export const handler = http(refresh, async ({ body }) => Accounts.refresh(accounts, body.refreshToken));
