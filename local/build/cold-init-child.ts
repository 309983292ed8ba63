/**
 * One cold start, in a fresh process (spawned by `cold-init.ts`, the job as JSON in argv): imports
 * a function's bundle and answers one event, as the Lambda runtime does on a new container,
 * timing the two, and reports over IPC what the handler answered and which ports it connected to
 * (so the table can say whether the first request reached MongoDB or Redis).
 */
import { subscribe } from "node:diagnostics_channel";
import type { Socket } from "node:net";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { lambdaContext } from "#local/runtime/api-gateway.ts";
import type { ColdInitJob, ColdInitReport } from "./cold-init.ts";

const job = JSON.parse(process.argv[2]) as ColdInitJob;

// Every TCP client socket (the driver's and fetch's alike) is published here when created.
const ports = new Set<number>();
subscribe("net.client.socket", (message) => {
  const { socket } = message as { socket: Socket };
  socket.once("connect", () => {
    if (socket.remotePort !== undefined) ports.add(socket.remotePort);
  });
});

async function run(): Promise<ColdInitReport> {
  const started = performance.now();
  let module: Record<string, unknown>;
  try {
    module = await import(pathToFileURL(job.file).href);
  } catch (error) {
    return { ok: false, phase: "import", error: describe(error), ports: [...ports] };
  }
  const imported = performance.now();
  const handler = module[job.exportName];
  if (typeof handler !== "function") return { ok: false, phase: "import", error: `the bundle exports no function "${job.exportName}"`, ports: [...ports] };
  let answer: string;
  try {
    const result: unknown = await handler(job.event, lambdaContext(job.functionName, job.timeoutMs));
    answer = typeof result === "object" && result !== null && "statusCode" in result ? String(result.statusCode) : "returned";
  } catch (error) {
    answer = `threw ${describe(error)}`;
  }
  const answered = performance.now();
  return { ok: true, importMs: imported - started, firstRequestMs: answered - imported, answer, ports: [...ports] };
}

const describe = (error: unknown): string => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

const report = await run();
// Exit at once, as a frozen Lambda container would stop: the driver's pool would keep us alive.
process.send!(report, () => process.exit(0));
