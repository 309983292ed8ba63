/**
 * Migrations: ordered `up`/`down` steps per system (files `core/<system>/migrations/NNNN-name.ts`,
 * see `migration-files.ts`), the applied ones recorded in the system's database
 * (`migration-records.ts`). Each step runs together with its record in one transaction where the
 * server supports them, so a failing migration leaves neither changes nor record; on a standalone
 * server it runs without one, and the progress says so. A failure stops the run. A lock in the
 * database keeps two runs apart.
 *
 * @example
 * const migrations = await loadMigrations(migrationsDirectory("delauto"));
 * await migrateUp({ db: database("delauto"), system: "delauto", migrations, onProgress: (step) => console.log(step.id) });
 * await migrateDown({ db: database("delauto"), system: "delauto", migrations, steps: 1 });
 */
import type { ClientSession, Db } from "mongodb";
import type { SystemSlug } from "../systems.ts";
import { migrationNumber } from "./migration-files.ts";
import { acquireMigrationLock, migrationRecords, transactionSupport, type MigrationLock, type MigrationRecords } from "./migration-records.ts";

export interface MigrationContext {
  db: Db;
  /** Pass it to every driver call (`{ session }`): it carries the transaction when there is one. */
  session: ClientSession;
}

export interface Migration {
  /** The file name without `.ts`: `0002-add-preferences`. */
  id: string;
  description?: string;
  up(context: MigrationContext): Promise<void>;
  down(context: MigrationContext): Promise<void>;
}

export interface MigrationState {
  id: string;
  description?: string;
  /** `missing`: recorded as applied, but no migration of that number exists. */
  state: "applied" | "pending" | "missing";
  appliedAt?: Date;
}

export interface MigrationStep {
  id: string;
  direction: "up" | "down";
  durationMs: number;
  transaction: boolean;
  /** What the server is, which decides `transaction`: "replica set rs0", "standalone server". */
  server: string;
}

export interface MigrationRun {
  db: Db;
  system: SystemSlug;
  migrations: readonly Migration[];
  /** Called after each migration that succeeded. */
  onProgress?: (step: MigrationStep) => void;
}

/** A migration threw: the run stopped there, and the migration was not recorded (or forgotten). */
export class MigrationFailedError extends Error {
  readonly migration: string;
  readonly direction: "up" | "down";
  /** The steps that succeeded before it. */
  readonly completed: MigrationStep[];

  constructor(migration: string, direction: "up" | "down", completed: MigrationStep[], transaction: boolean, cause: unknown) {
    const partial = transaction ? "" : " (no transaction: what it changed before failing stays)";
    super(`${migration} failed ${direction === "up" ? "to apply" : "to revert"}: ${cause instanceof Error ? cause.message : String(cause)}${partial}`, { cause });
    this.name = "MigrationFailedError";
    this.migration = migration;
    this.direction = direction;
    this.completed = completed;
  }
}

/** Every migration, applied or pending, and any applied one whose file is gone, in order. */
export async function migrationStatus({ db, system, migrations }: Omit<MigrationRun, "onProgress">): Promise<MigrationState[]> {
  const ordered = inOrder(migrations);
  const applied = await migrationRecords(db, system).applied();
  const states: MigrationState[] = ordered.map(({ id, description }) => {
    const record = applied.find((entry) => entry.version === migrationNumber(id));
    return record ? { id, description, state: "applied", appliedAt: record.appliedAt } : { id, description, state: "pending" };
  });
  for (const record of applied) {
    if (!ordered.some(({ id }) => migrationNumber(id) === record.version)) states.push({ id: record.id, description: record.description, state: "missing", appliedAt: record.appliedAt });
  }
  return states.sort((a, b) => migrationNumber(a.id) - migrationNumber(b.id));
}

/** Applies the pending migrations in order, up to and including `to` (an id or its number). */
export async function migrateUp({ to, ...run }: MigrationRun & { to?: string }): Promise<MigrationStep[]> {
  const ordered = inOrder(run.migrations);
  const last = to === undefined ? Infinity : migrationNumber(find(ordered, to).id);
  return withLock(run, "up", async (records, lock) => {
    const applied = new Set((await records.applied()).map((record) => record.version));
    const pending = ordered.filter(({ id }) => !applied.has(migrationNumber(id)) && migrationNumber(id) <= last);
    return execute(run, records, lock, pending, "up");
  });
}

/** Reverts the last `steps` applied migrations, newest first. */
export async function migrateDown({ steps = 1, ...run }: MigrationRun & { steps?: number }): Promise<MigrationStep[]> {
  if (!Number.isInteger(steps) || steps < 1) throw new Error(`steps must be a positive whole number, not ${steps}`);
  const ordered = inOrder(run.migrations);
  return withLock(run, "down", async (records, lock) => {
    const latest = (await records.applied()).sort((a, b) => b.version - a.version).slice(0, steps);
    const targets = latest.map((record) => {
      const migration = ordered.find(({ id }) => migrationNumber(id) === record.version);
      if (!migration) throw new Error(`cannot revert ${record.id}: no migration of that number exists`);
      return migration;
    });
    return execute(run, records, lock, targets, "down");
  });
}

async function withLock<T>({ db, system }: MigrationRun, command: string, work: (records: MigrationRecords, lock: MigrationLock) => Promise<T>): Promise<T> {
  const lock = await acquireMigrationLock(db, { command });
  try {
    return await work(migrationRecords(db, system), lock);
  } finally {
    await lock.release();
  }
}

async function execute({ db, onProgress }: MigrationRun, records: MigrationRecords, lock: MigrationLock, migrations: Migration[], direction: "up" | "down"): Promise<MigrationStep[]> {
  const { supported, reason } = migrations.length ? await transactionSupport(db) : { supported: false, reason: "" };
  const completed: MigrationStep[] = [];
  for (const migration of migrations) {
    const started = performance.now();
    const session = db.client.startSession();
    try {
      const apply = async () => {
        await migration[direction]({ db, session });
        await (direction === "up" ? records.record(migration, session) : records.forget(migration, session));
      };
      if (supported) await session.withTransaction(apply);
      else await apply();
    } catch (error) {
      throw new MigrationFailedError(migration.id, direction, completed, supported, error);
    } finally {
      await session.endSession();
    }
    const step: MigrationStep = { id: migration.id, direction, durationMs: Math.round(performance.now() - started), transaction: supported, server: reason };
    completed.push(step);
    onProgress?.(step);
    await lock.refresh();
  }
  return completed;
}

/** The migrations sorted by number, refusing two of the same number (two branches both adding 0004). */
function inOrder(migrations: readonly Migration[]): Migration[] {
  const sorted = [...migrations].sort((a, b) => migrationNumber(a.id) - migrationNumber(b.id));
  const clash = sorted.find((migration, i) => i > 0 && migrationNumber(migration.id) === migrationNumber(sorted[i - 1].id));
  if (clash) throw new Error(`two migrations are numbered ${clash.id.slice(0, 4)}: renumber one`);
  return sorted;
}

function find(migrations: Migration[], wanted: string): Migration {
  const migration = migrations.find(({ id }) => id === wanted || (/^\d+$/.test(wanted) && migrationNumber(id) === Number(wanted)));
  if (!migration) throw new Error(`no migration ${wanted}`);
  return migration;
}
