import * as CallLogHistory from "#core/ai-calling/call-log-history.ts";
import { http } from "#core/http/pipeline.ts";
import { getCallLog } from "../routes.ts";

export const handler = http(getCallLog, async ({ params, caller }) => CallLogHistory.getCallLog({ caller: caller!, id: params.id }));
