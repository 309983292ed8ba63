import * as CallLogHistory from "#core/ai-calling/call-log-history.ts";
import { http } from "#core/http/pipeline.ts";
import { listCallLogs } from "../routes.ts";

export const handler = http(listCallLogs, async ({ query, caller }) => CallLogHistory.listCallLogs({ caller: caller!, query }));
