import { reconcileCalls } from "#core/ai-calling/maintenance.ts";
import { cron } from "#core/cron/pipeline.ts";
import { reconcileCallsJob } from "../../crons.ts";

export const handler = cron(reconcileCallsJob, async ({ scheduledAt }) => reconcileCalls(scheduledAt));
