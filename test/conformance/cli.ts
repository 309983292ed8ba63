import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { runConformance } from "./runner.ts";
import { DEFAULT_CONFORMANCE_DIR, startConformanceServer } from "./server.ts";

// npm run conformance -- [--dir <folder>] [--lenient] [--filter <substring>]

const { values } = parseArgs({
  options: {
    dir: { type: "string" },
    lenient: { type: "boolean", default: false },
    filter: { type: "string" },
  },
});

const server = await startConformanceServer();
let exitCode = 1;
try {
  const report = await runConformance({
    dir: values.dir ? resolve(values.dir) : DEFAULT_CONFORMANCE_DIR,
    uri: server.uri,
    lenient: values.lenient,
    filter: values.filter,
    log: (line) => console.log(line),
  });
  const ran = report.passed + report.failed;
  console.log(`${report.passed} passed, ${report.failed} failed, ${report.skipped} skipped`);
  console.log(ran === 0 ? "pass rate n/a (no tests run)" : `pass rate ${((100 * report.passed) / ran).toFixed(1)}% of tests run`);
  exitCode = report.failed > 0 ? 1 : 0;
} catch (error) {
  console.error(`conformance run aborted: ${(error as Error).stack ?? String(error)}`);
} finally {
  await server.stop();
}
process.exit(exitCode);
