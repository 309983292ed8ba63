import { callLogs } from "#core/ai-calling/call-logs.ts";
import { placeOutboundCall } from "#core/ai-calling/outbound-calls.ts";
import { http } from "#core/http/pipeline.ts";
import { placeCall } from "../call-routes.ts";

export const handler = http(placeCall, async ({ body, caller }) => callLogs.toApi(await placeOutboundCall({ caller: caller!, input: body })));
