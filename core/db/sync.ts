/**
 * `db:sync`: makes a database's collections match their definitions, safely on every deploy.
 * It creates what is missing (collections with their validator, indexes), updates in place what
 * can be (the validator and its level and action with `collMod`, a TTL index's
 * `expireAfterSeconds`), and drops nothing unless asked: an index whose spec changed otherwise is
 * a conflict until `rebuild` (or `prune`) drops and recreates it, and an index the definition does
 * not name is an extra until `prune` drops it. Running it twice changes nothing the second time.
 *
 * One collection's failure is reported with it and the others still sync; a database that cannot
 * be reached stops the run with an `UnavailableError`.
 *
 * @example
 * const report = await syncCollections({ db: database("ai-calling"), definitions: collectionsOf("ai-calling") });
 * if (report.failed > 0) process.exitCode = 1;
 */
import { isDeepStrictEqual } from "node:util";
import { MongoServerError, type Db } from "mongodb";
import { UnavailableError } from "../errors.ts";
import type { SystemSlug } from "../systems.ts";
import type { CollectionDefinition } from "./collection.ts";
import { translateDriverError } from "./errors.ts";
import { asStored, planIndexes } from "./sync-indexes.ts";

export type SyncAction = "created collection" | "updated validation" | "created index" | "updated TTL" | "rebuilt index" | "dropped index";

export interface SyncChange {
  action: SyncAction;
  /** The index concerned, for index actions. */
  index?: string;
  detail?: string;
}

export interface CollectionSyncReport {
  system: SystemSlug;
  collection: string;
  changes: SyncChange[];
  /** Indexes that differ from the definition in a way only a rebuild fixes: left as they are. */
  conflicts: { index: string; reason: string }[];
  /** Indexes on the server that the definition does not name: kept. */
  extras: string[];
  /** Why the collection could not be (fully) synced, naming the step that failed. */
  error?: Error;
}

export interface SyncReport {
  collections: CollectionSyncReport[];
  changes: number;
  conflicts: number;
  failed: number;
}

export interface SyncOptions {
  db: Db;
  definitions: readonly CollectionDefinition[];
  /** Drop indexes the definitions do not name (never `_id_`), and rebuild conflicting ones. */
  prune?: boolean;
  /** Drop and recreate indexes whose spec changed beyond their TTL. */
  rebuild?: boolean;
}

export async function syncCollections({ db, definitions, prune = false, rebuild = prune }: SyncOptions): Promise<SyncReport> {
  const collections: CollectionSyncReport[] = [];
  for (const definition of definitions) collections.push(await syncCollection(db, definition, { prune, rebuild }));
  return {
    collections,
    changes: collections.reduce((sum, report) => sum + report.changes.length, 0),
    conflicts: collections.reduce((sum, report) => sum + report.conflicts.length, 0),
    failed: collections.filter((report) => report.error).length,
  };
}

async function syncCollection(db: Db, definition: CollectionDefinition, options: { prune: boolean; rebuild: boolean }): Promise<CollectionSyncReport> {
  const report: CollectionSyncReport = { system: definition.system, collection: definition.name, changes: [], conflicts: [], extras: [] };
  try {
    await syncValidation(db, definition, report);
    await syncIndexes(db, definition, options, report);
  } catch (error) {
    if (error instanceof UnavailableError) throw error;
    report.error = error instanceof Error ? error : new Error(String(error));
  }
  return report;
}

async function syncValidation(db: Db, definition: CollectionDefinition, report: CollectionSyncReport): Promise<void> {
  const { name } = definition;
  const wanted = {
    validator: await step("building the validator", () => definition.validator()),
    validationLevel: definition.validation?.level ?? "strict",
    validationAction: definition.validation?.action ?? "error",
  };
  const [info] = await step("listing the collection", () => db.listCollections({ name }, { nameOnly: false }).toArray());
  if (!info) {
    await step("creating the collection", () => db.createCollection(name, wanted));
    report.changes.push({ action: "created collection" });
    return;
  }
  if (info.type !== "collection") throw new Error(`${name} is a ${info.type}, not a collection`);
  // A server lists the defaults it applies only sometimes; an absent one is the default.
  const current = { validator: info.options?.validator ?? {}, validationLevel: info.options?.validationLevel ?? "strict", validationAction: info.options?.validationAction ?? "error" };
  const changed = (Object.keys(wanted) as (keyof typeof wanted)[]).filter((option) => !isDeepStrictEqual(asStored(current[option]), asStored(wanted[option])));
  if (changed.length === 0) return;
  await step("updating the validator", () => db.command({ collMod: name, ...wanted }));
  report.changes.push({ action: "updated validation", detail: changed.join(", ") });
}

async function syncIndexes(db: Db, definition: CollectionDefinition, options: { prune: boolean; rebuild: boolean }, report: CollectionSyncReport): Promise<void> {
  const collection = db.collection(definition.name);
  const server = await step("listing indexes", () => collection.listIndexes().toArray());
  const plan = planIndexes(server, definition.indexes ?? [], options);
  for (const { name, reason } of plan.drop) {
    await step(`dropping index ${name}`, () => collection.dropIndex(name));
    report.changes.push({ action: "dropped index", index: name, detail: reason });
  }
  for (const { spec, reason } of plan.rebuild) {
    await step(`dropping index ${spec.name} to rebuild it`, () => collection.dropIndex(spec.name));
    await step(`recreating index ${spec.name}`, () => collection.createIndexes([spec]));
    report.changes.push({ action: "rebuilt index", index: spec.name, detail: reason });
  }
  for (const { name, from, to } of plan.ttl) {
    await step(`updating the TTL of index ${name}`, () => db.command({ collMod: definition.name, index: { name, expireAfterSeconds: to } }));
    report.changes.push({ action: "updated TTL", index: name, detail: `expireAfterSeconds ${from ?? "none"} -> ${to}` });
  }
  for (const spec of plan.create) {
    await step(`creating index ${spec.name}`, () => collection.createIndexes([spec]));
    report.changes.push({ action: "created index", index: spec.name });
  }
  report.conflicts.push(...plan.conflicts);
  report.extras.push(...plan.extras);
}

/**
 * Runs one step, naming it in the error. An unreachable database is an `UnavailableError` (as
 * `withDriverErrors` has it) that stops the whole run: every other collection would fail alike.
 */
async function step<T>(what: string, run: () => T | Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    const translated = translateDriverError(error);
    if (translated instanceof UnavailableError) throw translated;
    const code = error instanceof MongoServerError ? ` (${error.codeName ?? error.code})` : "";
    throw new Error(`${what} failed: ${error instanceof Error ? error.message : String(error)}${code}`, { cause: error });
  }
}
