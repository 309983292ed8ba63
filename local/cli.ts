/**
 * `npm start`: the whole platform on one machine, with no external service. Starts the local
 * stack (MongoDB, S3, Redis), the cron scheduler and the API on http://127.0.0.1:3000 (PORT).
 */
import { checkConfig, config, ConfigError } from "#core/config/index.ts";
import { closeMongoClient } from "#core/db/client.ts";
import { crons } from "../functions/crons.ts";
import { routes } from "../functions/routes.ts";
import { startHttpServer } from "./runtime/http-server.ts";
import { startScheduler } from "./runtime/scheduler.ts";
import { startLocalStack } from "./runtime/stack.ts";

const stack = await startLocalStack();
try {
  checkConfig(["server", "mongo", "jwt", "redis", "storage", "encryption"]);
} catch (error) {
  await stack.stop();
  process.stderr.write(`${error instanceof ConfigError ? error.message : String(error)}\n`);
  process.exit(1);
}

const scheduler = startScheduler(crons);
const server = await startHttpServer({ routes, scheduler, port: config("server").port });

process.stdout.write([
  `Platform listening on ${server.url}`,
  `  API docs  ${server.url}/docs   (OpenAPI: ${server.url}/openapi.json)`,
  `  MongoDB   ${stack.backing.mongo}`,
  `  Redis     ${stack.backing.redis}`,
  `  S3        ${stack.backing.s3}`,
  `  Routes    ${routes.length}`,
  `  Crons     ${scheduler.jobs.length ? scheduler.jobs.map((job) => `${job.name} (${job.schedule} UTC)`).join(", ") : "none yet"}; run one now with POST ${server.url}/_local/cron/{name}`,
  ...stack.warnings.map((warning) => `  warning: ${warning}`),
  "",
].join("\n"));

let stopping = false;
const shutdown = async () => {
  if (stopping) return;
  stopping = true;
  scheduler.stop();
  await server.stop();
  await closeMongoClient();
  await stack.stop();
  process.exit(0);
};
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
