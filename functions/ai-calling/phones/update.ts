import * as PhoneAssignments from "#core/ai-calling/phone-assignments.ts";
import { phones } from "#core/ai-calling/phones.ts";
import { http } from "#core/http/pipeline.ts";
import { updatePhone } from "../routes.ts";

export const handler = http(updatePhone, async ({ params, body, caller }) =>
  phones.toApi(await PhoneAssignments.updatePhone({ caller: caller!, id: params.id, patch: body })));
