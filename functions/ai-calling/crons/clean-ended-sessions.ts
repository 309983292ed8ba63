import { cleanEndedSessions } from "#core/ai-calling/maintenance.ts";
import { cron } from "#core/cron/pipeline.ts";
import { cleanEndedSessionsJob } from "../../crons.ts";

export const handler = cron(cleanEndedSessionsJob, async ({ scheduledAt }) => cleanEndedSessions(scheduledAt));
