import * as PhoneAssignments from "#core/ai-calling/phone-assignments.ts";
import { phones } from "#core/ai-calling/phones.ts";
import { http } from "#core/http/pipeline.ts";
import { createPhone } from "../routes.ts";

export const handler = http(createPhone, async ({ body, caller }) => phones.toApi(await PhoneAssignments.createPhone({ caller: caller!, input: body })));
