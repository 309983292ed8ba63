/**
 * Where applied migrations are recorded, the lock that keeps two runs apart, and whether the
 * server can run a migration in a transaction.
 *
 * Records: a `migrations` collection of `{ _id: "0001-name", appliedAt, description }`, except in
 * Car Sales, whose document already defines `schemaversions` (`version: Number` required,
 * `appliedAt`, `description`, `changes: [String]`): there a migration is
 * `{ version: 1, appliedAt, description, changes: ["0001-name"] }`, as its Mongoose app writes
 * them. Either way a migration is identified by its number.
 *
 * @example
 * const records = migrationRecords(db, "car-sales");
 * const applied = await records.applied();
 */
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { MongoServerError, type ClientSession, type Db } from "mongodb";
import type { SystemSlug } from "../systems.ts";
import { migrationNumber } from "./migration-files.ts";
import type { Migration } from "./migrations.ts";

export interface AppliedMigration {
  version: number;
  /** The migration's id when the record names it (`0001-name`), else its zero-padded number. */
  id: string;
  appliedAt?: Date;
  description?: string;
}

export interface MigrationRecords {
  /** The collection holding the records. */
  collection: string;
  applied(): Promise<AppliedMigration[]>;
  record(migration: Migration, session: ClientSession): Promise<void>;
  forget(migration: Migration, session: ClientSession): Promise<void>;
}

export function migrationRecords(db: Db, system: SystemSlug): MigrationRecords {
  return system === "car-sales" ? schemaVersions(db) : migrationsCollection(db);
}

function migrationsCollection(db: Db): MigrationRecords {
  const collection = db.collection<{ _id: string; appliedAt: Date; description?: string }>("migrations");
  return {
    collection: collection.collectionName,
    applied: async () => (await collection.find().sort({ _id: 1 }).toArray()).map(({ _id, appliedAt, description }) => ({ version: migrationNumber(_id), id: _id, appliedAt, description })),
    async record({ id, description }, session) {
      await collection.insertOne({ _id: id, appliedAt: new Date(), ...(description !== undefined && { description }) }, { session });
    },
    async forget({ id }, session) {
      await collection.deleteOne({ _id: id }, { session });
    },
  };
}

function schemaVersions(db: Db): MigrationRecords {
  const collection = db.collection<{ version: number; appliedAt?: Date; description?: string; changes?: string[] }>("schemaversions");
  return {
    collection: collection.collectionName,
    applied: async () => (await collection.find().sort({ version: 1 }).toArray()).map(({ version, appliedAt, description, changes }) => ({
      version,
      id: changes?.find((change) => /^\d{4}-/.test(change)) ?? String(version).padStart(4, "0"),
      appliedAt,
      description,
    })),
    async record({ id, description }, session) {
      await collection.insertOne({ version: migrationNumber(id), appliedAt: new Date(), ...(description !== undefined && { description }), changes: [id] }, { session });
    },
    // Nothing makes `version` unique (Mongoose's app may have written one twice): forget them all.
    async forget({ id }, session) {
      await collection.deleteMany({ version: migrationNumber(id) }, { session });
    },
  };
}

export const LOCK_STALE_AFTER_MS = 10 * 60_000;

/** Thrown when another run holds the migration lock. */
export class MigrationLockedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MigrationLockedError";
  }
}

export interface MigrationLock {
  /** Pushes the lock's time forward, so a long run is not taken for a dead one. */
  refresh(): Promise<void>;
  release(): Promise<void>;
}

/**
 * Takes the system's migration lock: one document in `migrationlock`, whose unique `_id` lets
 * only one run insert it. A lock older than 10 minutes belongs to a run that died; it is taken over.
 */
export async function acquireMigrationLock(db: Db, { command }: { command: string }): Promise<MigrationLock> {
  const locks = db.collection<{ _id: string; token: string; owner: string; command: string; lockedAt: Date }>("migrationlock");
  const token = randomBytes(12).toString("hex");
  const lock = { _id: "migrate", token, owner: `${hostname()} pid ${process.pid}`, command, lockedAt: new Date() };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await locks.insertOne(lock);
      return {
        async refresh() {
          await locks.updateOne({ _id: "migrate", token }, { $set: { lockedAt: new Date() } });
        },
        async release() {
          await locks.deleteOne({ _id: "migrate", token });
        },
      };
    } catch (error) {
      if (!(error instanceof MongoServerError && error.code === 11000)) throw error;
      const held = await locks.findOne({ _id: "migrate" });
      if (held && (attempt > 0 || Date.now() - held.lockedAt.getTime() < LOCK_STALE_AFTER_MS)) {
        throw new MigrationLockedError(`migrations of ${db.databaseName} are locked by ${held.owner} (${held.command}) since ${held.lockedAt.toISOString()}; a lock older than 10 minutes is taken over`);
      }
      // Only the stale lock we saw: a run that took it over meanwhile keeps its own.
      if (held) await locks.deleteOne({ _id: "migrate", token: held.token });
    }
  }
  throw new MigrationLockedError(`migrations of ${db.databaseName}: could not take the lock`);
}

/**
 * Transactions need a replica set or a sharded cluster (`mongos`) with sessions (the local
 * stand-in presents a single-node replica set); a standalone server runs migrations without one.
 */
export async function transactionSupport(db: Db): Promise<{ supported: boolean; reason: string }> {
  const hello = await db.admin().command({ hello: 1 });
  if (hello.logicalSessionTimeoutMinutes == null) return { supported: false, reason: "server without sessions" };
  if (hello.setName) return { supported: true, reason: `replica set ${hello.setName}` };
  if (hello.msg === "isdbgrid") return { supported: true, reason: "sharded cluster" };
  return { supported: false, reason: "standalone server" };
}
