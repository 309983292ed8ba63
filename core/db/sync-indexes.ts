/**
 * What `db:sync` must do to a collection's indexes, decided from `listIndexes` and the
 * definition without touching the server. Specs are compared in the form the server lists them:
 * MongoDB's default name (`field_1_other_-1`), text keys as `_fts`/`_ftsx` with default weights
 * and language, directions as 1/-1, absent booleans as false; what only describes the server's
 * storage (`v`, `textIndexVersion`, `2dsphereIndexVersion`, `hidden`) is ignored.
 *
 * @example
 * const plan = planIndexes(await collection.listIndexes().toArray(), definition.indexes ?? [], { prune: false, rebuild: false });
 */
import { isDeepStrictEqual } from "node:util";
import { BSON, type Document } from "mongodb";
import type { IndexDefinition } from "./collection.ts";

/** A definition's index as `createIndexes` takes it, named. */
export type IndexSpec = IndexDefinition & { name: string };

export interface IndexPlan {
  /** Indexes to drop first: extras under `prune`, or an extra holding a wanted index's key under `rebuild`. */
  drop: { name: string; reason: string }[];
  /** Indexes dropped and created again because their spec changed beyond the TTL. */
  rebuild: { spec: IndexSpec; reason: string }[];
  /** TTL indexes whose `expireAfterSeconds` alone changed: `collMod` updates them in place. */
  ttl: { name: string; from?: number; to: number }[];
  create: IndexSpec[];
  /** Left as they are: only a rebuild would make them match. */
  conflicts: { index: string; reason: string }[];
  /** On the server, not in the definition, kept. */
  extras: string[];
}

const COMPARED = ["key", "unique", "sparse", "partialFilterExpression", "expireAfterSeconds", "weights", "default_language", "collation"] as const;

/** MongoDB's name for an index nobody named: `{ userId: 1, createdAt: -1 }` -> `userId_1_createdAt_-1`. */
export const defaultIndexName = (key: Document): string => Object.entries(key).map(([field, type]) => `${field}_${String(type)}`).join("_");

export function indexSpec(index: IndexDefinition): IndexSpec {
  const spec = Object.fromEntries(Object.entries(index).filter(([, value]) => value !== undefined)) as IndexDefinition;
  return { ...spec, name: index.name ?? defaultIndexName(index.key) };
}

/** The options (of `COMPARED`) in which the server's index differs from the wanted one. */
export function indexDifferences(server: Document, wanted: Document): string[] {
  const [a, b] = [comparable(server), comparable(wanted)];
  return COMPARED.filter((option) => !isDeepStrictEqual(a[option], b[option]));
}

export function planIndexes(server: Document[], definitions: readonly IndexDefinition[], { prune, rebuild }: { prune: boolean; rebuild: boolean }): IndexPlan {
  const wanted = definitions.map(indexSpec);
  const names = new Set(wanted.map((spec) => spec.name));
  if (names.size < wanted.length) throw new Error(`two indexes are named ${wanted.find((spec, i) => wanted.findIndex((other) => other.name === spec.name) !== i)!.name}`);
  const plan: IndexPlan = { drop: [], rebuild: [], ttl: [], create: [], conflicts: [], extras: [] };

  const extras = server.filter((index) => index.name !== "_id_" && !names.has(index.name));
  if (prune) plan.drop.push(...extras.map((index) => ({ name: String(index.name), reason: "not in the definition" })));
  else plan.extras.push(...extras.map((index) => String(index.name)));

  for (const spec of wanted) {
    const existing = server.find((index) => index.name === spec.name);
    if (existing) {
      const differences = indexDifferences(existing, spec);
      if (differences.length === 0) continue;
      if (differences.length === 1 && differences[0] === "expireAfterSeconds" && spec.expireAfterSeconds !== undefined) {
        plan.ttl.push({ name: spec.name, from: existing.expireAfterSeconds, to: spec.expireAfterSeconds });
      } else if (rebuild) plan.rebuild.push({ spec, reason: `differed in ${differences.join(", ")}` });
      else plan.conflicts.push({ index: spec.name, reason: `differs from the definition in ${differences.join(", ")}` });
      continue;
    }
    // The server refuses a second index on the same key under another name: usually a rename.
    const sameKey = prune ? undefined : extras.find((index) => isDeepStrictEqual(canonicalKey(index.key), canonicalKey(spec.key)));
    if (sameKey && !rebuild) {
      plan.conflicts.push({ index: spec.name, reason: `the server's index ${sameKey.name} has the same key` });
      continue;
    }
    if (sameKey) {
      plan.drop.push({ name: sameKey.name, reason: `same key as ${spec.name}` });
      plan.extras.splice(plan.extras.indexOf(sameKey.name), 1);
    }
    plan.create.push(spec);
  }
  return plan;
}

function comparable(spec: Document): Record<(typeof COMPARED)[number], unknown> {
  const key = canonicalKey(spec.key);
  const textFields = Object.entries(spec.key as Document).filter(([field, type]) => type === "text" && field !== "_fts").map(([field]) => field);
  const text = key.some(([field]) => field === "_fts");
  return {
    key,
    unique: spec.unique === true,
    sparse: spec.sparse === true,
    partialFilterExpression: asStored(spec.partialFilterExpression),
    expireAfterSeconds: spec.expireAfterSeconds === undefined ? undefined : Number(spec.expireAfterSeconds),
    weights: text ? { ...Object.fromEntries(textFields.map((field) => [field, 1])), ...asStored(spec.weights) } : undefined,
    default_language: text ? (spec.default_language ?? "english") : undefined,
    collation: asStored(spec.collation),
  };
}

/** Key order matters to an index, so a key compares as its entries; text fields become `_fts`/`_ftsx`. */
function canonicalKey(key: Document): [string, unknown][] {
  const entries: [string, unknown][] = [];
  for (const [field, type] of Object.entries(key)) {
    if (type === "text" || field === "_fts" || field === "_ftsx") {
      if (!entries.some(([name]) => name === "_fts")) entries.push(["_fts", "text"], ["_ftsx", 1]);
    } else entries.push([field, typeof type === "number" ? Math.sign(type) : type]);
  }
  return entries;
}

/**
 * A value as the server would read it back (`undefined` as null, objects as the driver builds
 * them), so values from a definition and from the server compare alike.
 */
export const asStored = (value: unknown): Document | undefined =>
  value === undefined ? undefined : BSON.deserialize(BSON.serialize({ value })).value;
