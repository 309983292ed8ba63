/**
 * The cold-init time of a bundled function: a fresh Node process imports the bundle and answers
 * the function's first event, as a new Lambda container does, against the local stack the build
 * starts once (the children get its settings in their environment). One process per
 * measurement, one measurement at a time, so no two cold starts compete for the cores.
 *
 * The first event is the trigger's own: for a route an API Gateway v2 event for its method and
 * path (placeholder path parameters, `{}` as the body of a write), carrying a freshly signed
 * access token when the route wants a user, so that the request gets past authentication to the
 * handler and the database as a real first request would; for a cron the EventBridge scheduled
 * event; for a deploy task the input `sst deploy` invokes it with (`stacks/db-sync.ts`). What the function answered is reported with the times (a 400 or 404 still went through
 * the whole pipeline), with the services its first request connected to.
 */
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { fileURLToPath } from "node:url";
import type { ScheduledEvent } from "aws-lambda";
import { ACCESS_TOKEN_TTL_SECONDS, randomId, signToken } from "#core/auth/jwt.ts";
import { createKeyring } from "#core/auth/keyring.ts";
import type { CronDefinition } from "#core/cron/definition.ts";
import { routeKey, type RouteDefinition } from "#core/http/route.ts";
import { isSystemSlug } from "#core/systems.ts";
import { toApiGatewayEvent } from "#local/runtime/api-gateway.ts";
import type { Trigger } from "./functions.ts";

const CHILD = fileURLToPath(new URL("./cold-init-child.ts", import.meta.url));
/** Stands in for every path parameter: a valid ObjectId that names no document. */
const PLACEHOLDER_ID = "000000000000000000000000";
const CHILD_TIMEOUT_MS = 60_000;

/** What the parent asks a child to run. */
export interface ColdInitJob {
  file: string;
  exportName: string;
  functionName: string;
  event: unknown;
  timeoutMs: number;
}

/** What a child reports back. */
export type ColdInitReport =
  | { ok: true; importMs: number; firstRequestMs: number; answer: string; ports: number[] }
  | { ok: false; phase: "import"; error: string; ports: number[] };

export type ColdInit =
  | {
      ok: true;
      importMs: number;
      firstRequestMs: number;
      /** Import plus first request. */
      totalMs: number;
      /** The status code, `returned` (a cron or deploy task), or `threw <error>`. */
      answer: string;
      /** The local services the process connected to (`mongo`, `redis`, `s3`, or a port). */
      reached: string[];
    }
  | { ok: false; error: string };

/** The local services by port, from the stack's settings, to name what a function reached. */
export function servicePorts(settings: Record<string, string | undefined>): Map<number, string> {
  const ports = new Map<number, string>();
  const add = (name: string, url: string | undefined) => {
    const port = url ? Number(new URL(url).port) : 0;
    if (port) ports.set(port, name);
  };
  add("mongo", settings.MONGODB_URI?.split(",")[0]);
  add("redis", settings.UPSTASH_REDIS_REST_URL);
  add("s3", settings.AWS_ENDPOINT_URL_S3);
  return ports;
}

/** The event a function's trigger delivers; `accessSecret` signs a token for routes that want a user. */
export async function firstEvent(trigger: Trigger, { accessSecret }: { accessSecret?: string } = {}): Promise<unknown> {
  if (trigger.kind === "cron") return scheduledEvent(trigger.cron);
  if (trigger.kind === "task") return { stage: "local" };
  const { route } = trigger;
  const token = accessSecret ? await accessTokenFor(route, accessSecret) : undefined;
  const pathParameters = Object.fromEntries([...route.path.matchAll(/\{([^}]+)\}/g)].map(([, name]) => [name, PLACEHOLDER_ID]));
  const body = ["POST", "PUT", "PATCH"].includes(route.method) ? Buffer.from("{}") : Buffer.alloc(0);
  const headers: Record<string, string> = { host: "localhost:3000", "user-agent": "npm-run-build" };
  if (body.length > 0) headers["content-type"] = "application/json";
  if (token) headers.authorization = `Bearer ${token}`;
  // toApiGatewayEvent reads only these fields of the Node request.
  const request = { url: route.path.replace(/\{[^}]+\}/g, PLACEHOLDER_ID), method: route.method, headers, httpVersion: "1.1", socket: { remoteAddress: "127.0.0.1" } };
  return toApiGatewayEvent(request as unknown as IncomingMessage, body, routeKey(route), pathParameters);
}

/** A valid access token of the route's system, for a user who does not exist, in the route's first role. */
async function accessTokenFor(route: RouteDefinition, secret: string): Promise<string | undefined> {
  const wantsUser = route.auth.kind === "user" || (route.auth.kind === "apiKey" && route.auth.users === true);
  const system = route.path.split("/")[1];
  if (!wantsUser || !isSystemSlug(system)) return undefined;
  const role = (route.auth.kind === "user" && route.auth.roles?.[0]) || "user";
  const { token } = await signToken("access", createKeyring([secret]), { system, userId: PLACEHOLDER_ID, role, familyId: randomId() }, { ttlSeconds: ACCESS_TOKEN_TTL_SECONDS });
  return token;
}

/** The EventBridge event of a scheduled rule, as the local scheduler sends it. */
function scheduledEvent(cron: CronDefinition): ScheduledEvent {
  return {
    version: "0",
    id: randomUUID(),
    "detail-type": "Scheduled Event",
    source: "aws.events",
    account: "000000000000",
    time: new Date().toISOString().replace(/\.\d{3}Z$/, "Z"),
    region: "local",
    resources: [`arn:aws:events:local:000000000000:rule/${cron.name}`],
    detail: {},
  };
}

/**
 * Cold-starts the bundle `runs` times, each in a new process, and returns the run with the
 * median total (the answer and services of that same run).
 */
export async function measureColdInit(job: Omit<ColdInitJob, "timeoutMs">, { env, services, runs = 1 }: { env: NodeJS.ProcessEnv; services: Map<number, string>; runs?: number }): Promise<ColdInit> {
  const results: ColdInit[] = [];
  for (let i = 0; i < runs; i++) {
    const result = await coldStart({ ...job, timeoutMs: CHILD_TIMEOUT_MS }, env, services);
    if (!result.ok) return result;
    results.push(result);
  }
  const sorted = (results as Extract<ColdInit, { ok: true }>[]).sort((a, b) => a.totalMs - b.totalMs);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

function coldStart(job: ColdInitJob, env: NodeJS.ProcessEnv, services: Map<number, string>): Promise<ColdInit> {
  return new Promise((resolve) => {
    // The handler's request log goes to stdout and is not ours to show; stderr explains a crash.
    const child = spawn(process.execPath, [CHILD, JSON.stringify(job)], { env, stdio: ["ignore", "ignore", "pipe", "ipc"] });
    let stderr = "";
    let report: ColdInitReport | undefined;
    child.stderr!.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString("utf8")).slice(-2_000);
    });
    child.on("message", (message) => {
      report = message as ColdInitReport;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), CHILD_TIMEOUT_MS);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (!report) {
        const why = signal === "SIGKILL" ? `no answer within ${CHILD_TIMEOUT_MS / 1000} s` : `exited with ${signal ?? code} before reporting`;
        resolve({ ok: false, error: `${why}${stderr.trim() ? `: ${stderr.trim().split("\n").slice(-3).join(" | ")}` : ""}` });
      } else if (!report.ok) {
        resolve({ ok: false, error: `import failed: ${report.error}` });
      } else {
        const reached = [...new Set(report.ports.map((port) => services.get(port) ?? `port ${port}`))].sort();
        resolve({ ok: true, importMs: report.importMs, firstRequestMs: report.firstRequestMs, totalMs: report.importMs + report.firstRequestMs, answer: report.answer, reached });
      }
    });
  });
}
