/**
 * `npm run mongo -- --port <port>`: serves the stand-in until stopped. The first line of output
 * is the connection URI, so scripts can read it; `--port 0` picks a free port.
 */
import { parseArgs } from "node:util";
import { startMongoStandIn } from "./server.ts";

const { values } = parseArgs({ options: { port: { type: "string", default: "27017" }, host: { type: "string", default: "127.0.0.1" } } });
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`--port must be an integer between 0 and 65535, got ${values.port}`);
  process.exit(2);
}
const standIn = await startMongoStandIn({ port, host: values.host });
console.log(standIn.uri);
console.error(`local MongoDB stand-in listening on ${values.host}:${standIn.port} (in memory; Ctrl+C stops it)`);
const stop = () => void standIn.stop().then(() => process.exit(0));
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
