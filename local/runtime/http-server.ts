/**
 * The local API Gateway: one HTTP server that routes each request through the manifest, turns it
 * into a payload 2.0 event, invokes the handler in-process and writes its result back. It also
 * answers CORS preflights as API Gateway does and offers `POST /_local/cron/{name}`.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import middy from "@middy/core";
import httpCors from "@middy/http-cors";
import type { APIGatewayProxyResultV2 } from "aws-lambda";
import { AppError, NotFoundError, PayloadTooLargeError } from "#core/errors.ts";
import { corsOptions } from "#core/http/cors.ts";
import { routeKey, type RouteDefinition } from "#core/http/route.ts";
import { describeError, log } from "#core/log.ts";
import { lambdaContext, toApiGatewayEvent, writeResult } from "./api-gateway.ts";
import { functionNameOf, loadHandler } from "./handlers.ts";
import { createRouter } from "./router.ts";
import type { Scheduler } from "./scheduler.ts";

/** API Gateway's own payload limit; the endpoints enforce their 1 MiB below it. */
const GATEWAY_MAX_BODY_BYTES = 10 * 1024 * 1024;
const FUNCTION_TIMEOUT_MS = 30_000;

export interface LocalHttpServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export async function startHttpServer(options: { routes: RouteDefinition[]; scheduler?: Scheduler; port?: number; host?: string }): Promise<LocalHttpServer> {
  const { routes, scheduler, port = 3000, host = "127.0.0.1" } = options;
  const match = createRouter(routes);
  const preflight = middy(async () => ({ statusCode: 204, headers: {} })).use(httpCors({ ...corsOptions(), disableBeforePreflightResponse: false }));

  const serve = async (request: IncomingMessage, response: ServerResponse) => {
    const requestId = randomUUID();
    const url = new URL(request.url ?? "/", "http://localhost");
    const method = request.method ?? "GET";
    try {
      const body = await readBody(request);
      if (method === "POST" && url.pathname.startsWith("/_local/cron/")) {
        return await fireCron(scheduler, decodeURIComponent(url.pathname.slice("/_local/cron/".length)), response, requestId);
      }
      if (method === "OPTIONS") {
        const allowed = ["GET", "POST", "PUT", "PATCH", "DELETE"].some((m) => match(m, url.pathname));
        if (!allowed) throw new NotFoundError(`No route for ${url.pathname}`);
        const event = toApiGatewayEvent(request, body, `OPTIONS ${url.pathname}`, {});
        return writeResult(response, await preflight(event as never, lambdaContext("preflight", FUNCTION_TIMEOUT_MS)) as APIGatewayProxyResultV2);
      }
      const matched = match(method, url.pathname);
      if (!matched) throw new NotFoundError(`No route for ${method} ${url.pathname}`);
      const handler = await loadHandler(matched.route.handler);
      const event = toApiGatewayEvent(request, body, routeKey(matched.route), matched.params);
      const result = await handler(event, lambdaContext(functionNameOf(matched.route.handler), FUNCTION_TIMEOUT_MS));
      writeResult(response, result as APIGatewayProxyResultV2);
    } catch (error) {
      writeError(response, error, requestId);
      log.info("request", { route: null, method, path: url.pathname, status: response.statusCode, requestId, gateway: true });
    }
  };

  const server = createServer((request, response) => void serve(request, response));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const { port: actualPort } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${actualPort}`,
    port: actualPort,
    stop: () => new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

async function fireCron(scheduler: Scheduler | undefined, name: string, response: ServerResponse, requestId: string): Promise<void> {
  if (!scheduler?.has(name)) throw new NotFoundError(`No cron job named "${name}"`);
  const started = performance.now();
  const result = await scheduler.fire(name);
  const body = { job: name, durationMs: Math.round(performance.now() - started), result: result ?? null };
  response.writeHead(200, { "content-type": "application/json", "x-request-id": requestId }).end(JSON.stringify(body));
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > GATEWAY_MAX_BODY_BYTES) {
        request.removeAllListeners("data");
        request.resume();
        reject(new PayloadTooLargeError(GATEWAY_MAX_BODY_BYTES));
        return;
      }
      chunks.push(chunk);
    });
    request.on("end", () => resolve(Buffer.concat(chunks)));
    request.on("error", reject);
  });
}

/** Errors of the gateway itself (no route, body too large) or of a crashed handler, in API.md's shape. */
function writeError(response: ServerResponse, error: unknown, requestId: string): void {
  const known = error instanceof AppError ? error : undefined;
  if (!known) log.error("local gateway error", { requestId, error: describeError(error) });
  const statusCode = known?.statusCode ?? 500;
  const body = { error: { code: known?.code ?? "INTERNAL", message: known?.expose ? known.message : "Internal error", ...(known?.details && { details: known.details }), requestId } };
  if (response.headersSent) return void response.end();
  response.writeHead(statusCode, { "content-type": "application/json", "x-request-id": requestId, ...known?.headers }).end(JSON.stringify(body));
}
