import * as Auth from "#core/automedia/auth.ts";
import { http } from "#core/http/pipeline.ts";
import { me } from "../routes.ts";

export const handler = http(me, async ({ caller }) => Auth.me(caller!.userId));
