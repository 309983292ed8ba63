/**
 * `npm run migrate -- up|down|status|create <name> --system <slug> [--to <id>] [--steps <n>]`:
 * runs a system's migrations (`core/<system>/migrations/`) against its database, one progress
 * line per migration:
 *
 *   ↑ 0002-add-preferences  applied in 12 ms (no transaction: standalone server)
 *
 * `status` without `--system` shows every system; `create` only writes a file.
 */
import { relative } from "node:path";
import { parseArgs } from "node:util";
import { database, databaseName } from "#core/db/client.ts";
import { createMigration, loadMigrations, migrationsDirectory } from "#core/db/migration-files.ts";
import { migrationRecords } from "#core/db/migration-records.ts";
import { MigrationFailedError, migrateDown, migrateUp, migrationStatus, type MigrationStep } from "#core/db/migrations.ts";
import { isSystemSlug, SYSTEM_SLUGS, type SystemSlug } from "#core/systems.ts";
import { REPOSITORY_ROOT } from "#local/runtime/handlers.ts";
import { withOperationTargets } from "#local/runtime/targets.ts";
import { explain, note, print, runCli } from "./output.ts";

const USAGE = "usage: npm run migrate -- up|down|status|create <name> --system <slug> [--to <id>] [--steps <n>]";
const COMMANDS = ["up", "down", "status", "create"] as const;

type Options = { command: (typeof COMMANDS)[number]; name?: string; systems: SystemSlug[]; to?: string; steps: number };

function readArguments(): Options {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { system: { type: "string" }, to: { type: "string" }, steps: { type: "string" } } });
  const [command, name, ...rest] = positionals;
  if (!COMMANDS.includes(command as Options["command"])) throw new Error(command ? `unknown command "${command}"` : "which command?");
  if ((command === "create") !== (name !== undefined) || rest.length) throw new Error(command === "create" ? "create takes one name" : `${command} takes no name`);
  if (values.system !== undefined && !isSystemSlug(values.system)) throw new Error(`unknown system "${values.system}" (one of ${SYSTEM_SLUGS.join(", ")})`);
  if (values.system === undefined && command !== "status") throw new Error(`${command} needs --system`);
  if (values.to !== undefined && command !== "up") throw new Error("--to goes with up");
  if (values.steps !== undefined && command !== "down") throw new Error("--steps goes with down");
  const steps = Number(values.steps ?? 1);
  if (!Number.isInteger(steps) || steps < 1) throw new Error(`--steps must be a positive whole number, not ${values.steps}`);
  return { command: command as Options["command"], name, systems: values.system ? [values.system as SystemSlug] : SYSTEM_SLUGS, to: values.to, steps };
}

function progress(step: MigrationStep): void {
  const done = step.direction === "up" ? `↑ ${step.id}  applied` : `↓ ${step.id}  reverted`;
  print(`${done} in ${step.durationMs} ms${step.transaction ? "" : ` (no transaction: ${step.server})`}`);
}

async function status(system: SystemSlug): Promise<void> {
  const db = database(system);
  const states = await migrationStatus({ db, system, migrations: await loadMigrations(migrationsDirectory(system)) });
  print(`${system} (${databaseName(system)}), recorded in ${migrationRecords(db, system).collection}:`);
  if (states.length === 0) print(`  no migrations (${relative(REPOSITORY_ROOT, migrationsDirectory(system))} has none)`);
  const width = Math.max(0, ...states.map(({ id }) => id.length));
  for (const { id, state, appliedAt, description } of states) {
    print(`  ${state.padEnd(7)}  ${id.padEnd(width)}  ${appliedAt?.toISOString() ?? "".padEnd(24)}  ${description ?? ""}`.trimEnd());
  }
}

async function run(options: Options): Promise<number> {
  const [system] = options.systems;
  if (options.command === "create") {
    const { path } = await createMigration({ name: options.name!, directory: migrationsDirectory(system) });
    print(`created ${relative(REPOSITORY_ROOT, path)}`);
    return 0;
  }
  return withOperationTargets("migrate", async () => {
    if (options.command === "status") {
      for (const each of options.systems) await status(each);
      return 0;
    }
    const job = { db: database(system), system, migrations: await loadMigrations(migrationsDirectory(system)), onProgress: progress };
    try {
      const steps = options.command === "up" ? await migrateUp({ ...job, to: options.to }) : await migrateDown({ ...job, steps: options.steps });
      print(`${system}: ${steps.length} ${options.command === "up" ? "applied" : "reverted"}${steps.length === 0 ? " (nothing to do)" : ""}`);
      return 0;
    } catch (error) {
      if (!(error instanceof MigrationFailedError)) throw error;
      print(`✗ ${error.message}`);
      return 1;
    }
  });
}

if (import.meta.main) await runCli("migrate", USAGE, readArguments, run);
