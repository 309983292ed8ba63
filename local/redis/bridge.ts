/**
 * A local server speaking the Upstash Redis REST API, so the official `@upstash/redis` client
 * (and `@upstash/ratelimit` on top of it) runs unchanged against a local redis-server, or against
 * an in-process memory store when none is installed. A development and test tool only.
 *
 * Routes (all answer JSON; 401 `{ error: "Unauthorized" }` without the right bearer token):
 *   POST /            ["SET","k","v"]                 -> { result }
 *   POST /pipeline    [["SET","k","v"],["GET","k"]]   -> [{ result } | { error }, ...]
 *   POST /multi-exec  same shape, run in MULTI/EXEC    -> [{ result } | { error }, ...]
 *   GET|POST /set/k/v?EX=10                            -> { result }
 * A store error is 400 `{ error: "ERR ..." }`; `Upstash-Encoding: base64` base64-encodes strings.
 */
import { timingSafeEqual, createHash } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createMemoryBackend } from "./memory-backend.ts";
import {
  BadRequestError,
  encodeOutcomes,
  encodeReply,
  parseCommandBody,
  parseCommandListBody,
  parsePathCommand,
  RedisCommandError,
  type RedisBackend,
} from "./protocol.ts";
import { connectRedisBackend } from "./redis-backend.ts";

/** Upstash's own limit on a request body. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;
const ALLOWED_METHODS = new Set(["GET", "HEAD", "POST", "PUT"]);

export interface RedisBridgeOptions {
  backend: { kind: "redis"; url: string } | { kind: "memory" };
  /** The bearer token clients must send (`UPSTASH_REDIS_REST_TOKEN`). */
  token: string;
  /** TCP port; 0 (the default) picks a free one. */
  port?: number;
  host?: string;
}

export interface RedisBridge {
  /** The REST URL for the client (`UPSTASH_REDIS_REST_URL`), e.g. `http://127.0.0.1:8079`. */
  url: string;
  token: string;
  /** What the bridge talks to, for a startup log line. */
  backend: string;
  stop(): Promise<void>;
}

/**
 * Starts a bridge and resolves once it listens and its store answers.
 * @example
 * const bridge = await startRedisBridge({ backend: { kind: "redis", url: server.url }, token: "local" });
 * const redis = new Redis({ url: bridge.url, token: bridge.token });
 */
export async function startRedisBridge({ backend: choice, token, port = 0, host = "127.0.0.1" }: RedisBridgeOptions): Promise<RedisBridge> {
  if (token === "") throw new Error("startRedisBridge: token must not be empty");
  const backend = choice.kind === "redis" ? await connectRedisBackend(choice.url) : createMemoryBackend();
  const expectedToken = digest(token);
  const server = createServer((req, res) => {
    handle(req, res, backend, expectedToken).catch((error: unknown) => {
      // Only reached when the request itself broke (client aborted mid-body); answer if still possible.
      if (!res.headersSent) send(res, 500, { error: `ERR bridge failure: ${(error as Error).message}` });
      else res.destroy();
    });
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => resolve());
    });
  } catch (error) {
    await backend.close();
    throw error;
  }
  const actualPort = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${actualPort}`,
    token,
    backend: backend.description,
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await backend.close();
    },
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, backend: RedisBackend, expectedToken: Buffer): Promise<void> {
  const body = await readBody(req);
  if (!ALLOWED_METHODS.has(req.method ?? "")) return send(res, 405, { error: "Method Not Allowed" });
  const url = new URL(req.url ?? "/", "http://bridge");
  if (!authorized(req, url, expectedToken)) return send(res, 401, { error: "Unauthorized" });
  if (body === "too-large") return send(res, 413, { error: `ERR max request size exceeded (${MAX_BODY_BYTES} bytes)` });
  const base64 = String(req.headers["upstash-encoding"] ?? "").toLowerCase() === "base64";
  const hasJsonBody = req.method === "POST" || req.method === "PUT";
  try {
    if (url.pathname === "/" && hasJsonBody) {
      const result = await backend.run(parseCommandBody(body));
      return send(res, 200, { result: encodeReply(result, base64) });
    }
    if ((url.pathname === "/pipeline" || url.pathname === "/multi-exec") && hasJsonBody) {
      const commands = parseCommandListBody(body);
      const outcomes = url.pathname === "/pipeline" ? await backend.pipeline(commands) : await backend.transaction(commands);
      return send(res, 200, encodeOutcomes(outcomes, base64));
    }
    const result = await backend.run(parsePathCommand(url, body));
    return send(res, 200, { result: encodeReply(result, base64) });
  } catch (error) {
    if (error instanceof BadRequestError || error instanceof RedisCommandError) return send(res, 400, { error: error.message });
    // The store is unreachable or misbehaved: say so plainly, this is a local tool.
    return send(res, 500, { error: `ERR bridge could not run the command: ${(error as Error).message}` });
  }
}

/** Reads the whole body; past the limit it keeps draining (so the client sees the 413) but drops bytes. */
async function readBody(req: IncomingMessage): Promise<Buffer | "too-large"> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= MAX_BODY_BYTES) chunks.push(chunk);
  }
  return size > MAX_BODY_BYTES ? "too-large" : Buffer.concat(chunks);
}

function authorized(req: IncomingMessage, url: URL, expectedToken: Buffer): boolean {
  const header = req.headers.authorization ?? "";
  const match = /^Bearer\s+(.+)$/i.exec(header.trim());
  const given = match?.[1] ?? url.searchParams.get("_token");
  // Comparing digests keeps the comparison constant-time whatever the lengths.
  return given !== null && timingSafeEqual(digest(given), expectedToken);
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value).digest();
}

function send(res: ServerResponse, status: number, payload: unknown): void {
  const body = JSON.stringify(payload);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  res.end(body);
}
