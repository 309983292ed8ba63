/**
 * `npm start`: the whole platform on one machine, with no external service. Starts the local
 * stack (MongoDB, S3, Redis), the cron scheduler and the API on http://127.0.0.1:3000 (PORT).
 */
import { ensureFirstAdminFromConfig } from "#core/ai-calling/first-admin.ts";
import { checkConfig, config, ConfigError } from "#core/config/index.ts";
import { closeMongoClient, database } from "#core/db/client.ts";
import { collectionsOf } from "#core/db/registry.ts";
import { syncCollections } from "#core/db/sync.ts";
import { SYSTEM_SLUGS } from "#core/systems.ts";
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

// As `sst deploy` runs db:sync, the local platform starts with every collection's validator and
// indexes in place (a unique email must be unique from the first registration).
let synced = 0;
for (const system of SYSTEM_SLUGS) {
  const report = await syncCollections({ db: database(system), definitions: collectionsOf(system) });
  synced += report.collections.length;
  for (const collection of report.collections) if (collection.error) process.stderr.write(`db:sync ${system}.${collection.collection}: ${collection.error.message}\n`);
}

const firstAdmin = await ensureFirstAdminFromConfig();
if (firstAdmin.outcome === "created") process.stdout.write(`ai-calling: created the first admin ${firstAdmin.email}\n`);
if (firstAdmin.outcome === "half configured") process.stderr.write("ai-calling: set ADMIN_EMAIL and ADMIN_PASSWORD together to create the first admin\n");

const scheduler = startScheduler(crons);
const server = await startHttpServer({ routes, scheduler, port: config("server").port });

process.stdout.write([
  `Platform listening on ${server.url}`,
  `  API docs  ${server.url}/docs   (OpenAPI: ${server.url}/openapi.json)`,
  `  MongoDB   ${stack.backing.mongo}`,
  `  Redis     ${stack.backing.redis}`,
  `  S3        ${stack.backing.s3}`,
  `  Routes    ${routes.length}; collections synced: ${synced}`,
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
