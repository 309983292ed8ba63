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

export const crons: CronDefinition[] = [flushApiKeyUsageJob];
