import { retryRecordings } from "#core/ai-calling/maintenance.ts";
import { cron } from "#core/cron/pipeline.ts";
import { retryCallRecordingsJob } from "../../crons.ts";

export const handler = cron(retryCallRecordingsJob, async ({ scheduledAt }) => retryRecordings(scheduledAt));
