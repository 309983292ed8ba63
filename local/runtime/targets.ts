/**
 * The entry point of operations commands (`db:sync`, `migrate`, `backup`, `restore`, `seed`):
 * they reach the same MongoDB, S3 and Redis as `npm start`. Configured services when their
 * settings are present; otherwise the running local stack; otherwise a local stack started for
 * the command over the same `.data/` and stopped when it ends.
 *
 * @example
 * await withOperationTargets("db:sync", async ({ backing }) => { ... });
 */
import { closeMongoClient } from "#core/db/client.ts";
import { DEFAULT_DATA_DIR, readRunningStack, startLocalStack, type LocalStack } from "./stack.ts";

export async function withOperationTargets<T>(command: string, run: (targets: { backing: LocalStack["backing"] }) => Promise<T>, { dataDir = DEFAULT_DATA_DIR } = {}): Promise<T> {
  const running = process.env.MONGODB_URI ? undefined : readRunningStack(dataDir);
  let started: LocalStack | undefined;
  let backing: LocalStack["backing"];
  if (running) {
    for (const [name, value] of Object.entries(running.settings)) process.env[name] ??= value;
    backing = running.backing;
    process.stderr.write(`${command}: using the running local stack (pid ${running.pid})\n`);
  } else {
    started = await startLocalStack({ dataDir, record: false });
    backing = started.backing;
  }
  try {
    return await run({ backing });
  } finally {
    await closeMongoClient();
    await started?.stop();
  }
}
