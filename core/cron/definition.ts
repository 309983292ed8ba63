/** What a cron manifest entry says: the job's name, its UTC schedule and its handler. */
export interface CronDefinition {
  /** kebab-case, unique; also the local trigger `POST /_local/cron/{name}`. */
  name: string;
  /** Standard five-field cron expression (minute hour day-of-month month day-of-week), in UTC. */
  schedule: string;
  /** `functions/<path>.<export>`, as SST names handlers. */
  handler: string;
  description: string;
}

export const defineCron = (cron: CronDefinition): CronDefinition => cron;
