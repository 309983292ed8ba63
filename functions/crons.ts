/**
 * The cron manifest: every scheduled job (name, UTC schedule, handler). SST's crons and the local
 * scheduler read this list. Jobs join it with the features that need them (backups, clean-ups).
 */
import type { CronDefinition } from "#core/cron/definition.ts";

export const crons: CronDefinition[] = [];
