import { accounts } from "#core/automedia/accounts.ts";
import * as Accounts from "#core/auth/accounts.ts";
import { http } from "#core/http/pipeline.ts";
import { me } from "../routes.ts";

export const handler = http(me, async ({ caller }) => Accounts.me(accounts, caller!.userId));
