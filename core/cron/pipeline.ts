/**
 * `cron(job, run)`: the middy stack of scheduled jobs. It logs one line per run (job, outcome,
 * duration, what the job reported) and lets failures propagate, so the scheduler (EventBridge
 * or the local one) records the run as failed.
 *
 * @example
 * export const handler = cron(backupJob, async ({ scheduledAt }) => Backups.runAll({ at: scheduledAt }));
 */
import middy from "@middy/core";
import type { Context, ScheduledEvent } from "aws-lambda";
import { describeError, log } from "../log.ts";
import type { CronDefinition } from "./definition.ts";

export interface CronInput {
  /** When EventBridge (or the local scheduler) fired the job. */
  scheduledAt: Date;
  event: ScheduledEvent;
  context: Context;
}

export type CronHandler = (event: ScheduledEvent, context: Context) => Promise<unknown>;

export function cron(job: CronDefinition, run: (input: CronInput) => Promise<unknown>): CronHandler {
  const started = new WeakMap<object, number>();
  const duration = (request: object) => Math.round(performance.now() - (started.get(request) ?? performance.now()));

  return middy<ScheduledEvent, unknown>()
    .use({
      before: (request) => { started.set(request, performance.now()); },
      after: (request) => { log.info("cron", { job: job.name, outcome: "succeeded", durationMs: duration(request), result: request.response }); },
      onError: (request) => { log.error("cron", { job: job.name, outcome: "failed", durationMs: duration(request), error: describeError(request.error) }); },
    })
    .handler((event, context) => run({ scheduledAt: new Date(event.time ?? Date.now()), event, context })) as unknown as CronHandler;
}
