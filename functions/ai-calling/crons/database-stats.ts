import { databaseStats } from "#core/ai-calling/maintenance.ts";
import { cron } from "#core/cron/pipeline.ts";
import { databaseStatsJob } from "../../crons.ts";

export const handler = cron(databaseStatsJob, async () => databaseStats());
