import * as UserAdmin from "#core/ai-calling/user-admin.ts";
import { http } from "#core/http/pipeline.ts";
import { getExotelSetup } from "../routes.ts";

export const handler = http(getExotelSetup, async ({ caller }) => UserAdmin.exotelSetup({ userId: caller!.userId }));
