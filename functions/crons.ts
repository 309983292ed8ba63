/**
 * The cron manifest: every scheduled job (name, UTC schedule, handler). SST's crons and the local
 * scheduler read this list. Jobs join it with the features that need them (backups, clean-ups).
 */
import { defineCron, type CronDefinition } from "#core/cron/definition.ts";

export const flushApiKeyUsageJob = defineCron({
  name: "flush-api-key-usage",
  schedule: "* * * * *",
  handler: "functions/delauto/crons/flush-api-key-usage.handler",
  description: "DelAuto: fold the API keys' request counters kept in Redis into usage_count and last_used_at",
});

export const cleanEndedSessionsJob = defineCron({
  name: "ai-calling-clean-ended-sessions",
  schedule: "30 3 * * *",
  handler: "functions/ai-calling/crons/clean-ended-sessions.handler",
  description: "AI Calling: delete ended sessions older than 7 days (the document's \"Clean Old Sessions\")",
});

export const reconcileCallsJob = defineCron({
  name: "ai-calling-reconcile-calls",
  schedule: "*/5 * * * *",
  handler: "functions/ai-calling/crons/reconcile-calls.handler",
  description: "AI Calling: settle calls whose callback was missed, from Exotel's call details; release calls Exotel never took",
});

export const retryCallRecordingsJob = defineCron({
  name: "ai-calling-retry-call-recordings",
  schedule: "*/10 * * * *",
  handler: "functions/ai-calling/crons/retry-call-recordings.handler",
  description: "AI Calling: copy recordings whose first copy to S3 failed",
});

export const databaseStatsJob = defineCron({
  name: "ai-calling-database-stats",
  schedule: "0 4 * * *",
  handler: "functions/ai-calling/crons/database-stats.handler",
  description: "AI Calling: log database and collection sizes (the document's \"Monitor Database Size\")",
});

export const crons: CronDefinition[] = [flushApiKeyUsageJob, cleanEndedSessionsJob, reconcileCallsJob, retryCallRecordingsJob, databaseStatsJob];
