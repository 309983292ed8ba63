import * as UserAdmin from "#core/ai-calling/user-admin.ts";
import { http } from "#core/http/pipeline.ts";
import { noContent } from "#core/http/response.ts";
import { putExotelConfig } from "../routes.ts";

export const handler = http(putExotelConfig, async ({ body, caller }) => {
  await UserAdmin.setExotelConfig({ userId: caller!.userId, exotelConfig: body });
  return noContent();
});
