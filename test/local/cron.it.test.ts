/**
 * The local scheduler runs cron jobs on their UTC schedule and on demand through
 * `POST /_local/cron/{name}`, with the EventBridge event a deployed job receives.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redis } from "#core/cache/redis.ts";
import { setLogSink } from "#core/log.ts";
import { startHttpServer, type LocalHttpServer } from "#local/runtime/http-server.ts";
import { startScheduler, type Scheduler } from "#local/runtime/scheduler.ts";
import { everySecondJob, failingJob, recordRunJob } from "#test/fixtures/cron/jobs.ts";

describe("POST /_local/cron/{name}", () => {
  let scheduler: Scheduler;
  let server: LocalHttpServer;

  beforeAll(async () => {
    scheduler = startScheduler([recordRunJob, failingJob], { paused: true });
    server = await startHttpServer({ routes: [], scheduler, port: 0 });
  });

  afterAll(async () => {
    scheduler.stop();
    await server.stop();
  });

  it("runs the job now and answers what it returned", async () => {
    const response = await fetch(`${server.url}/_local/cron/record-run`, { method: "POST" });
    const body = (await response.json()) as any;

    expect(response.status).toBe(200);
    expect(body.job).toBe("record-run");
    expect(body.result.source).toBe("aws.events");
    expect(await redis().get(`test:cron:record-run:${body.result.eventId}`)).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it("answers 404 in the API error shape for a job that does not exist", async () => {
    const response = await fetch(`${server.url}/_local/cron/no-such-job`, { method: "POST" });
    const body = (await response.json()) as any;

    expect(response.status).toBe(404);
    expect(body.error.code).toBe("NOT_FOUND");
  });

  it("answers 500 without the job's error text and logs the failed run", async () => {
    const lines: string[] = [];
    const restore = setLogSink((line) => lines.push(line));

    const response = await fetch(`${server.url}/_local/cron/always-fails`, { method: "POST" });
    const body = (await response.json()) as any;
    restore();

    expect(response.status).toBe(500);
    expect(JSON.stringify(body)).not.toContain("dependency is down");
    const run = lines.map((line) => JSON.parse(line)).find((entry) => entry.message === "cron");
    expect(run).toMatchObject({ level: "error", job: "always-fails", outcome: "failed" });
    expect(run.error.message).toBe("the job's dependency is down");
  });
});

describe("startScheduler", () => {
  it("computes the next run of each job in UTC", () => {
    const scheduler = startScheduler([recordRunJob], { paused: true });

    const [job] = scheduler.jobs;
    scheduler.stop();

    expect(job.nextRun?.getUTCHours()).toBe(2);
    expect(job.nextRun?.getUTCMinutes()).toBe(0);
    expect(job.nextRun!.getTime()).toBeGreaterThan(Date.now());
  });

  it("fires jobs on their schedule", async () => {
    await redis().del("test:cron:every-second");
    const scheduler = startScheduler([everySecondJob]);

    await new Promise((resolve) => setTimeout(resolve, 2_300));
    scheduler.stop();

    expect(Number(await redis().get("test:cron:every-second"))).toBeGreaterThanOrEqual(2);
  });
});
