/**
 * Runs the cron manifest locally: each job on its UTC schedule (croner), or right now on demand.
 * Jobs receive the EventBridge scheduled event a deployed cron Lambda would.
 */
import { randomUUID } from "node:crypto";
import { Cron } from "croner";
import type { ScheduledEvent } from "aws-lambda";
import type { CronDefinition } from "#core/cron/definition.ts";
import { lambdaContext } from "./api-gateway.ts";
import { functionNameOf, loadHandler } from "./handlers.ts";

export interface Scheduler {
  jobs: { name: string; schedule: string; nextRun: Date | null }[];
  /** Runs a job now; resolves to what its handler returned, rejects with what it threw. */
  fire(name: string): Promise<unknown>;
  has(name: string): boolean;
  stop(): void;
}

const CRON_TIMEOUT_MS = 15 * 60_000;

export function startScheduler(crons: CronDefinition[], { paused = false }: { paused?: boolean } = {}): Scheduler {
  const byName = new Map(crons.map((job) => [job.name, job]));
  const fire = async (name: string, at = new Date()) => {
    const job = byName.get(name);
    if (!job) throw new Error(`no cron job named "${name}"`);
    const handler = await loadHandler(job.handler);
    return handler(scheduledEvent(job, at), lambdaContext(functionNameOf(job.handler), CRON_TIMEOUT_MS));
  };
  // A failed run is logged by the job's own pipeline; the timer keeps going.
  const timers = crons.map((job) => new Cron(job.schedule, { timezone: "UTC", paused, protect: true, name: job.name }, async () => { await fire(job.name).catch(() => undefined); }));
  return {
    get jobs() {
      return timers.map((timer, i) => ({ name: crons[i].name, schedule: crons[i].schedule, nextRun: timer.nextRun() }));
    },
    fire: (name) => fire(name),
    has: (name) => byName.has(name),
    stop: () => timers.forEach((timer) => timer.stop()),
  };
}

function scheduledEvent(job: CronDefinition, at: Date): ScheduledEvent {
  return {
    version: "0",
    id: randomUUID(),
    "detail-type": "Scheduled Event",
    source: "aws.events",
    account: "000000000000",
    time: at.toISOString().replace(/\.\d{3}Z$/, "Z"),
    region: "local",
    resources: [`arn:aws:events:local:000000000000:rule/${job.name}`],
    detail: {},
  };
}
