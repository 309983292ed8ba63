/**
 * `db:sync` as a deploy task (`functions/deploy-tasks.ts`): `sst deploy` invokes it once, so a
 * deployed stage's databases carry the validators and indexes its code expects. The same steps as
 * `npm run db:sync` (local/ops/db-sync.ts) without `--prune`/`--rebuild`: a failed collection or
 * an index conflict fails the invocation, and with it the deploy. Then AI Calling's first admin is
 * created from ADMIN_EMAIL/ADMIN_PASSWORD while it has none.
 */
import { ensureFirstAdminFromConfig } from "#core/ai-calling/first-admin.ts";
import { database, mongoClient } from "#core/db/client.ts";
import { withDriverErrors } from "#core/db/errors.ts";
import { collectionsOf } from "#core/db/registry.ts";
import { syncCollections } from "#core/db/sync.ts";
import { log } from "#core/log.ts";
import { SYSTEM_SLUGS } from "#core/systems.ts";

export interface DbSyncSummary {
  collections: number;
  changes: number;
  /** What was left to fix, one line per collection or index. */
  problems: string[];
  firstAdmin: string;
}

export const handler = async (): Promise<DbSyncSummary> => {
  // Reach the server first: an unreachable one is one clear error, not one per collection.
  await withDriverErrors(() => mongoClient().db("admin").command({ ping: 1 }));
  const summary: DbSyncSummary = { collections: 0, changes: 0, problems: [], firstAdmin: "not run" };
  for (const system of SYSTEM_SLUGS) {
    const report = await syncCollections({ db: database(system), definitions: collectionsOf(system) });
    summary.collections += report.collections.length;
    summary.changes += report.changes;
    for (const { collection, changes, conflicts, error } of report.collections) {
      const at = `${system}.${collection}`;
      for (const change of changes) log.info("db:sync change", { collection: at, ...change });
      summary.problems.push(...conflicts.map(({ index, reason }) => `${at}: conflict on index ${index}: ${reason}`));
      if (error) summary.problems.push(`${at}: ${error.message}`);
    }
  }
  if (summary.problems.length === 0) summary.firstAdmin = (await ensureFirstAdminFromConfig()).outcome;
  log.info("db:sync", { ...summary });
  if (summary.problems.length) throw new Error(`db:sync left ${summary.problems.length} problems (npm run db:sync -- --rebuild fixes index conflicts): ${summary.problems.join("; ")}`);
  return summary;
};
