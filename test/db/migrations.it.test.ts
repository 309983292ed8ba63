/**
 * Migrations against the real driver and the stand-in (a single-node replica set: each migration
 * runs with its record in a transaction):
 * status, up in order with records (`migrations`, or Car Sales' `schemaversions`), down restoring
 * the data, a failure stopping the run unrecorded, the lock, and new files from the template.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { ObjectId, type Db } from "mongodb";
import { describe, expect, it } from "vitest";
import { databaseName, mongoClient } from "#core/db/client.ts";
import { createMigration, loadMigrations } from "#core/db/migration-files.ts";
import { acquireMigrationLock, MigrationLockedError, transactionSupport } from "#core/db/migration-records.ts";
import { MigrationFailedError, migrateDown, migrateUp, migrationStatus, type Migration } from "#core/db/migrations.ts";
import type { SystemSlug } from "#core/systems.ts";

let databases = 0;
/** A database of its own per test, under the file's prefix (dropped after the file). */
const freshDb = (system: SystemSlug = "ai-calling"): Db => mongoClient().db(`${databaseName(system)}-${++databases}`);

const addPreferences: Migration = {
  id: "0001-add-preferences",
  description: "Added user preferences",
  up: async ({ db, session }) => {
    await db.collection("users").updateMany({ preferences: { $exists: false } }, { $set: { preferences: { language: "en", theme: "light" } } }, { session });
  },
  down: async ({ db, session }) => {
    await db.collection("users").updateMany({ preferences: { language: "en", theme: "light" } }, { $unset: { preferences: "" } }, { session });
  },
};

const renameName: Migration = {
  id: "0002-rename-name",
  up: async ({ db, session }) => {
    await db.collection("users").updateMany({}, { $rename: { name: "fullName" } }, { session });
  },
  down: async ({ db, session }) => {
    await db.collection("users").updateMany({}, { $rename: { fullName: "name" } }, { session });
  },
};

const failing = (id: string): Migration => ({
  id,
  up: async () => {
    throw new Error("boom");
  },
  down: async () => undefined,
});

/** Migrations that note when they run. */
function tracked(ids: string[], ran: string[]): Migration[] {
  return ids.map((id) => ({ id, up: async () => void ran.push(`up ${id}`), down: async () => void ran.push(`down ${id}`) }));
}

describe("migrationStatus", () => {
  it("lists every migration as pending before the first run, in order", async () => {
    const db = freshDb();

    const states = await migrationStatus({ db, system: "ai-calling", migrations: [renameName, addPreferences] });

    expect(states).toEqual([
      { id: "0001-add-preferences", description: "Added user preferences", state: "pending" },
      { id: "0002-rename-name", description: undefined, state: "pending" },
    ]);
  });

  it("shows an applied migration whose file is gone as missing", async () => {
    const db = freshDb();
    await migrateUp({ db, system: "ai-calling", migrations: [addPreferences, renameName] });

    const states = await migrationStatus({ db, system: "ai-calling", migrations: [addPreferences] });

    expect(states.map(({ id, state }) => [id, state])).toEqual([["0001-add-preferences", "applied"], ["0002-rename-name", "missing"]]);
  });
});

describe("migrateUp", () => {
  it("applies pending migrations in order and records each in migrations", async () => {
    const db = freshDb();
    const ran: string[] = [];
    const progress: unknown[] = [];

    const steps = await migrateUp({ db, system: "ai-calling", migrations: tracked(["0002-b", "0001-a", "0003-c"], ran), onProgress: (step) => progress.push(step) });

    expect(ran).toEqual(["up 0001-a", "up 0002-b", "up 0003-c"]);
    expect(progress).toEqual(steps);
    expect(steps[0]).toMatchObject({ id: "0001-a", direction: "up", transaction: true, server: "replica set rs0" });
    const records = await db.collection("migrations").find().toArray();
    expect(records.map(({ _id }) => _id)).toEqual(["0001-a", "0002-b", "0003-c"]);
    expect(records[0].appliedAt).toBeInstanceOf(Date);
    expect((await migrationStatus({ db, system: "ai-calling", migrations: tracked(["0001-a", "0002-b", "0003-c"], []) })).every(({ state }) => state === "applied")).toBe(true);
  });

  it("applies only what is pending on a second run", async () => {
    const db = freshDb();
    await migrateUp({ db, system: "ai-calling", migrations: tracked(["0001-a"], []) });
    const ran: string[] = [];

    await migrateUp({ db, system: "ai-calling", migrations: tracked(["0001-a", "0002-b"], ran) });

    expect(ran).toEqual(["up 0002-b"]);
  });

  it("stops after the migration named by to", async () => {
    const db = freshDb();
    const ran: string[] = [];

    await migrateUp({ db, system: "ai-calling", migrations: tracked(["0001-a", "0002-b", "0003-c"], ran), to: "0002" });

    expect(ran).toEqual(["up 0001-a", "up 0002-b"]);
  });

  it("records Car Sales migrations in schemaversions with numeric versions", async () => {
    const db = freshDb("car-sales");

    await migrateUp({ db, system: "car-sales", migrations: [addPreferences, renameName] });

    const versions = await db.collection("schemaversions").find({}, { projection: { _id: 0 } }).sort({ version: 1 }).toArray();
    expect(versions).toEqual([
      { version: 1, appliedAt: expect.any(Date), description: "Added user preferences", changes: ["0001-add-preferences"] },
      { version: 2, appliedAt: expect.any(Date), changes: ["0002-rename-name"] },
    ]);
    expect(await db.listCollections({ name: "migrations" }).toArray()).toEqual([]);
  });

  it("stops at a failing migration, records nothing for it and names it", async () => {
    const db = freshDb();
    const ran: string[] = [];
    const [first, third] = tracked(["0001-a", "0003-c"], ran);

    const failure = await migrateUp({ db, system: "ai-calling", migrations: [first, failing("0002-explodes"), third] }).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(MigrationFailedError);
    expect(failure).toMatchObject({ migration: "0002-explodes", direction: "up", completed: [expect.objectContaining({ id: "0001-a" })] });
    expect((failure as Error).message).toBe("0002-explodes failed to apply: boom");
    expect(ran).toEqual(["up 0001-a"]);
    expect((await db.collection("migrations").find().toArray()).map(({ _id }) => _id)).toEqual(["0001-a"]);
    expect(await db.collection("migrationlock").countDocuments()).toBe(0);
  });
});

describe("migrateDown", () => {
  it("after up, restores every document exactly and forgets the records", async () => {
    const db = freshDb("car-sales");
    const users = db.collection("users");
    await users.insertMany([
      { _id: new ObjectId(), name: "Ada", email: "ada@example.com", createdAt: new Date("2024-01-02T03:04:05Z") },
      { _id: new ObjectId(), name: "Bo", preferences: { language: "fr", theme: "dark" }, tags: ["a", "b"] },
      { _id: new ObjectId(), email: "nameless@example.com", score: 1.5 },
    ]);
    const before = await users.find().sort({ _id: 1 }).toArray();
    await migrateUp({ db, system: "car-sales", migrations: [addPreferences, renameName] });
    const migrated = await users.find().sort({ _id: 1 }).toArray();
    const ran: string[] = [];

    const steps = await migrateDown({ db, system: "car-sales", migrations: [addPreferences, renameName], steps: 2, onProgress: (step) => ran.push(step.id) });

    expect(migrated[0]).toMatchObject({ fullName: "Ada", preferences: { language: "en", theme: "light" } });
    expect(steps.map(({ direction }) => direction)).toEqual(["down", "down"]);
    expect(ran).toEqual(["0002-rename-name", "0001-add-preferences"]);
    expect(await users.find().sort({ _id: 1 }).toArray()).toEqual(before);
    expect(await db.collection("schemaversions").countDocuments()).toBe(0);
  });

  it("reverts only the newest migration by default", async () => {
    const db = freshDb();
    const ran: string[] = [];
    const migrations = tracked(["0001-a", "0002-b"], ran);
    await migrateUp({ db, system: "ai-calling", migrations });

    await migrateDown({ db, system: "ai-calling", migrations });

    expect(ran).toEqual(["up 0001-a", "up 0002-b", "down 0002-b"]);
    expect((await migrationStatus({ db, system: "ai-calling", migrations })).map(({ state }) => state)).toEqual(["applied", "pending"]);
  });
});

describe("the migration lock", () => {
  it("refuses a run while another one is in progress", async () => {
    const db = freshDb();
    const slow: Migration = { id: "0001-slow", up: () => sleep(200), down: async () => undefined };

    const [first, second] = await Promise.allSettled([
      migrateUp({ db, system: "ai-calling", migrations: [slow] }),
      sleep(50).then(() => migrateUp({ db, system: "ai-calling", migrations: [slow] })),
    ]);

    expect(first.status).toBe("fulfilled");
    expect(second).toMatchObject({ status: "rejected", reason: expect.any(MigrationLockedError) });
    expect((second as PromiseRejectedResult).reason.message).toMatch(/^migrations of .+ are locked by .+ \(up\) since /);
    expect(await db.collection("migrations").countDocuments()).toBe(1);
  });

  it("takes over a lock left more than 10 minutes ago by a run that died", async () => {
    const db = freshDb();
    await db.collection<{ _id: string; token: string; owner: string; command: string; lockedAt: Date }>("migrationlock").insertOne({ _id: "migrate", token: "dead", owner: "elsewhere", command: "up", lockedAt: new Date(Date.now() - 11 * 60_000) });

    await migrateUp({ db, system: "ai-calling", migrations: tracked(["0001-a"], []) });

    expect(await db.collection("migrations").countDocuments()).toBe(1);
    expect(await db.collection("migrationlock").countDocuments()).toBe(0);
  });

  it("is released by its holder only", async () => {
    const db = freshDb();
    const held = await acquireMigrationLock(db, { command: "down" });

    const refused = await migrateDown({ db, system: "ai-calling", migrations: [] }).catch((error: unknown) => error);
    await held.release();

    expect(refused).toBeInstanceOf(MigrationLockedError);
    await expect(migrateDown({ db, system: "ai-calling", migrations: [] })).resolves.toEqual([]);
  });
});

describe("transactionSupport", () => {
  it("reports the stand-in as a replica set, with transactions", async () => {
    expect(await transactionSupport(freshDb())).toEqual({ supported: true, reason: "replica set rs0" });
  });
});

describe("createMigration", () => {
  it("writes the next numbered file from a template that loads and runs", async () => {
    const directory = await mkdtemp(join(tmpdir(), "migrations-"));
    const existing = "export async function up() {}\nexport async function down() {}\n";
    await writeFile(join(directory, "0001-first.ts"), existing);
    await writeFile(join(directory, "0007-seventh.ts"), existing);

    const created = await createMigration({ name: "Add delivery_priority", directory });

    expect(created).toEqual({ id: "0008-add-delivery-priority", path: join(directory, "0008-add-delivery-priority.ts") });
    expect(await readFile(created.path, "utf8")).toContain('export const description = "add delivery priority";');
    const migrations = await loadMigrations(directory);
    expect(migrations.map(({ id, description }) => [id, description])).toEqual([["0001-first", undefined], ["0007-seventh", undefined], ["0008-add-delivery-priority", "add delivery priority"]]);
    await expect(migrateUp({ db: freshDb(), system: "ai-calling", migrations })).resolves.toHaveLength(3);
    await rm(directory, { recursive: true, force: true });
  });

  it("refuses a file in the migrations directory that is not named NNNN-kebab-name.ts", async () => {
    const directory = await mkdtemp(join(tmpdir(), "migrations-"));
    await writeFile(join(directory, "add_things.ts"), "export {};\n");

    await expect(loadMigrations(directory)).rejects.toThrow(/add_things\.ts: migration files are named NNNN-kebab-name\.ts$/);
    await rm(directory, { recursive: true, force: true });
  });
});
