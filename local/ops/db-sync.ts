/**
 * `npm run db:sync [-- --system <slug>] [--prune] [--rebuild]`: applies every registered
 * collection definition (`core/db/registry.ts`) to its system's database: validators, validation
 * level and action, indexes. One line per change, conflict, extra index or failure, then a
 * summary (`N collections, M changes`). Exits non-zero when a collection failed or an index
 * conflict was left, so a deploy does not carry on against a database that does not match.
 * Then AI Calling's first admin is created from `ADMIN_EMAIL`/`ADMIN_PASSWORD` while it has none.
 */
import { parseArgs } from "node:util";
import { ensureFirstAdminFromConfig } from "#core/ai-calling/first-admin.ts";
import { database, databaseName, mongoClient } from "#core/db/client.ts";
import { withDriverErrors } from "#core/db/errors.ts";
import { collectionsOf } from "#core/db/registry.ts";
import { syncCollections, type CollectionSyncReport } from "#core/db/sync.ts";
import { isSystemSlug, SYSTEM_SLUGS, type SystemSlug } from "#core/systems.ts";
import { withOperationTargets } from "#local/runtime/targets.ts";
import { explain, note, print, runCli } from "./output.ts";

const USAGE = "usage: npm run db:sync [-- --system <slug>] [--prune] [--rebuild]";

function readArguments(): { systems: SystemSlug[]; prune: boolean; rebuild: boolean } {
  const { values } = parseArgs({ options: { system: { type: "string" }, prune: { type: "boolean", default: false }, rebuild: { type: "boolean", default: false } } });
  if (values.system !== undefined && !isSystemSlug(values.system)) throw new Error(`unknown system "${values.system}" (one of ${SYSTEM_SLUGS.join(", ")})`);
  return { systems: values.system ? [values.system as SystemSlug] : SYSTEM_SLUGS, prune: values.prune, rebuild: values.rebuild || values.prune };
}

function describe(report: CollectionSyncReport): string[] {
  const at = `${report.system}.${report.collection}`;
  return [
    ...report.changes.map(({ action, index, detail }) => `${at}: ${action}${index ? ` ${index}` : ""}${detail ? ` (${detail})` : ""}`),
    ...report.conflicts.map(({ index, reason }) => `${at}: conflict on index ${index}: ${reason}; left as is (--rebuild drops and recreates it)`),
    ...report.extras.map((index) => `${at}: extra index ${index}, not in the definition; kept (--prune drops it)`),
    ...(report.error ? [`${at}: FAILED ${report.error.message}`] : []),
  ];
}

async function sync({ systems, prune, rebuild }: ReturnType<typeof readArguments>): Promise<number> {
  return withOperationTargets("db:sync", async ({ backing }) => {
    note("db:sync", `MongoDB: ${backing.mongo}`);
    // Reach the server first: an unreachable one is one clear error, not one per collection.
    await withDriverErrors(() => mongoClient().db("admin").command({ ping: 1 }));
    const totals = { collections: 0, changes: 0, conflicts: 0, extras: 0, failed: 0 };
    for (const system of systems) {
      const definitions = collectionsOf(system);
      if (definitions.length === 0) continue;
      note("db:sync", `${system} (${databaseName(system)}): ${definitions.length} collections`);
      const report = await syncCollections({ db: database(system), definitions, prune, rebuild });
      for (const collection of report.collections) for (const line of describe(collection)) print(line);
      totals.collections += report.collections.length;
      totals.changes += report.changes;
      totals.conflicts += report.conflicts;
      totals.extras += report.collections.reduce((sum, collection) => sum + collection.extras.length, 0);
      totals.failed += report.failed;
    }
    if (systems.includes("ai-calling") && totals.failed === 0) await seedFirstAdmin();
    const issues = [`${totals.conflicts} conflicts`, `${totals.extras} extra indexes`, `${totals.failed} failed`].filter((issue) => !issue.startsWith("0 "));
    print([`${totals.collections} collections, ${totals.changes} changes`, ...issues].join(", "));
    return totals.failed > 0 || totals.conflicts > 0 ? 1 : 0;
  });
}

async function seedFirstAdmin(): Promise<void> {
  const result = await ensureFirstAdminFromConfig();
  if (result.outcome === "created") print(`ai-calling.users: created the first admin ${result.email}`);
  else if (result.outcome === "email taken") note("db:sync", `ai-calling: ${result.email} belongs to an existing user; no admin created`);
  else if (result.outcome === "half configured") note("db:sync", "ai-calling: ADMIN_EMAIL and ADMIN_PASSWORD are set together or not at all; no admin created");
}

if (import.meta.main) await runCli("db:sync", USAGE, readArguments, sync);
