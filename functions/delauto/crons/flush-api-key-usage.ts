import { flushApiKeyUsage } from "#core/auth/api-keys.ts";
import { cron } from "#core/cron/pipeline.ts";
import { flushApiKeyUsageJob } from "../../crons.ts";

/** Moves the per-request API-key counters from Redis into `apikeys.usage_count` / `last_used_at`. */
export const handler = cron(flushApiKeyUsageJob, async () => flushApiKeyUsage());
