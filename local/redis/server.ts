/**
 * A private redis-server for development and tests: its own free port, bound to loopback, no
 * persistence, its working directory a temporary folder removed on stop. Never the system's
 * Redis on 6379.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createConnection, createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";

const READY_TIMEOUT_MS = 10_000;
const STOP_GRACE_MS = 3_000;
/** A free port can be taken between our probe and redis binding it; try a few. */
const START_ATTEMPTS = 3;

/** Servers still running, killed when this process exits (one listener for all of them). */
const running = new Set<ChildProcess>();
let exitHookInstalled = false;
function killOnExit(child: ChildProcess): void {
  running.add(child);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const server of running) server.kill("SIGKILL");
  });
}

export interface RedisServerOptions {
  /** Address to bind; loopback by default. */
  host?: string;
}

export interface RedisServer {
  /** e.g. `redis://127.0.0.1:41234` */
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** redis-server is not installed (or not on PATH). */
export class RedisServerMissingError extends Error {
  constructor() {
    super(
      "redis-server is not on PATH. Install it (Debian/Ubuntu: `apt-get install redis-server`; " +
        "macOS: `brew install redis`) or put its directory on PATH.",
    );
    this.name = "RedisServerMissingError";
  }
}

/** The path of the `redis-server` executable on PATH, or undefined. */
export function findRedisServer(): string | undefined {
  for (const directory of (process.env.PATH ?? "").split(delimiter)) {
    if (directory === "") continue;
    const candidate = join(directory, "redis-server");
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}

/**
 * Starts redis-server on a free port and resolves once it answers PING. It is killed by `stop`
 * and, at the latest, when this process exits.
 * @example
 * const server = await startRedisServer();
 * // ... connect to server.url ...
 * await server.stop();
 */
export async function startRedisServer({ host = "127.0.0.1" }: RedisServerOptions = {}): Promise<RedisServer> {
  const executable = findRedisServer();
  if (!executable) throw new RedisServerMissingError();
  let lastError: unknown;
  for (let attempt = 0; attempt < START_ATTEMPTS; attempt++) {
    try {
      return await startOnce(executable, host, await freePort(host));
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

async function startOnce(executable: string, host: string, port: number): Promise<RedisServer> {
  // SAVE or BGSAVE would still write a dump into the working directory: keep it out of the repo.
  const directory = await mkdtemp(join(tmpdir(), "redis-server-"));
  const args = ["--port", String(port), "--bind", host, "--save", "", "--appendonly", "no", "--dir", directory, "--daemonize", "no", "--loglevel", "warning"];
  const child = spawn(executable, args, { cwd: directory, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const collect = (chunk: Buffer) => (output = (output + chunk.toString("utf8")).slice(-4_000));
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  killOnExit(child);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const cleanup = async () => {
    running.delete(child);
    await rm(directory, { recursive: true, force: true });
  };
  try {
    await waitUntilReady(child, exited, host, port);
  } catch (error) {
    child.kill("SIGKILL");
    await exited;
    await cleanup();
    const detail = output.trim() ? `\n${output.trim()}` : "";
    throw new Error(`redis-server did not start on ${host}:${port}: ${(error as Error).message}${detail}`, { cause: error });
  }
  let stopping: Promise<void> | undefined;
  return {
    url: `redis://${host}:${port}`,
    port,
    stop() {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill("SIGTERM");
          const timer = setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS);
          await exited;
          clearTimeout(timer);
        }
        await cleanup();
      })();
      return stopping;
    },
  };
}

async function waitUntilReady(child: ChildProcess, exited: Promise<void>, host: string, port: number): Promise<void> {
  let hasExited = false;
  void exited.then(() => (hasExited = true));
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (hasExited) throw new Error(`it exited with code ${child.exitCode ?? child.signalCode}`);
    if (await answersPing(host, port)) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`no answer to PING within ${READY_TIMEOUT_MS} ms`);
}

/** Sends an inline PING; a loading or not-yet-listening server does not answer +PONG. */
function answersPing(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    let reply = "";
    const finish = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => finish(false));
    socket.once("error", () => finish(false));
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.on("data", (chunk) => {
      reply += chunk.toString("latin1");
      if (reply.includes("\r\n")) finish(reply.startsWith("+PONG"));
    });
  });
}

function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, host, () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
