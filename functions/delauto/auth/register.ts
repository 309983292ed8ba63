import { accounts } from "#core/delauto/accounts.ts";
import * as Accounts from "#core/auth/accounts.ts";
import { http } from "#core/http/pipeline.ts";
import { register } from "../routes.ts";

export const handler = http(register, async ({ body }) => Accounts.register(accounts, body));
