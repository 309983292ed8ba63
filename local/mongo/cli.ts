/**
 * `npm run mongo -- --port <port> [--dbpath <dir>]`: serves the stand-in until stopped. The first
 * line of output is the connection URI, so scripts can read it; `--port 0` picks a free port.
 * With `--dbpath` the data is kept in that directory (created if missing) across restarts.
 */
import { parseArgs } from "node:util";
import { startMongoStandIn, type MongoStandIn } from "./server.ts";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "27017" },
    host: { type: "string", default: "127.0.0.1" },
    dbpath: { type: "string" },
    // As mongod: `--setParameter ttlMonitorSleepSecs=5`.
    setParameter: { type: "string", multiple: true, default: [] },
  },
});
const parameters = Object.fromEntries(values.setParameter.map((pair) => pair.split("=", 2)));
for (const name of Object.keys(parameters)) {
  if (name !== "ttlMonitorSleepSecs") {
    console.error(`--setParameter: unknown parameter ${name} (settable: ttlMonitorSleepSecs)`);
    process.exit(2);
  }
}
const ttlMonitorSleepSecs = parameters.ttlMonitorSleepSecs === undefined ? undefined : Number(parameters.ttlMonitorSleepSecs);
if (ttlMonitorSleepSecs !== undefined && (!Number.isInteger(ttlMonitorSleepSecs) || ttlMonitorSleepSecs < 1)) {
  console.error(`--setParameter ttlMonitorSleepSecs must be a positive whole number, got ${parameters.ttlMonitorSleepSecs}`);
  process.exit(2);
}
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`--port must be an integer between 0 and 65535, got ${values.port}`);
  process.exit(2);
}
if (values.dbpath === "") {
  console.error("--dbpath must name a directory");
  process.exit(2);
}
let standIn: MongoStandIn;
try {
  standIn = await startMongoStandIn({ port, host: values.host, dbpath: values.dbpath, ttlMonitorSleepSecs });
} catch (error) {
  // A dbpath in use or unreadable is the user's to fix: say what, without a stack trace.
  console.error(`local MongoDB stand-in could not start: ${(error as Error).message}`);
  process.exit(1);
}
const stop = () => void standIn.stop().then(() => process.exit(0), (error: Error) => {
  console.error(`local MongoDB stand-in stopped with an error: ${error.message}`);
  process.exit(1);
});
// Before the URI: a script may signal the process as soon as it reads it.
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
console.log(standIn.uri);
const where = values.dbpath ? `data in ${values.dbpath}` : "in memory";
console.error(`local MongoDB stand-in listening on ${values.host}:${standIn.port} (${where}; Ctrl+C stops it)`);
