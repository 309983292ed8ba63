/**
 * MongoDB's TTL monitor: a background pass, every `ttlMonitorSleepSecs` (60 by default, changed
 * at run time with `setParameter`), that deletes documents whose indexed date is more than the
 * index's `expireAfterSeconds` in the past. As on the server, a TTL index is a single-field
 * index; a document expires by the earliest date in the field (a date or an array of dates),
 * never when the field holds no date, and only if it matches the index's partial filter.
 */
import { compileFilter, type Predicate } from "../query/match.ts";
import type { Doc } from "../query/paths.ts";
import type { Catalog } from "./catalog.ts";
import type { CollectionStore } from "./collection-store.ts";
import type { IndexStore } from "./index-store.ts";

export const DEFAULT_TTL_SLEEP_SECS = 60;

export interface TtlStats {
  passes: number;
  deletedDocuments: number;
}

export interface TtlMonitor {
  readonly stats: TtlStats;
  readonly sleepSecs: number;
  /** `setParameter: { ttlMonitorSleepSecs }`: the next pass comes that long from now. */
  setSleepSecs(seconds: number): void;
  /** Runs one pass now (tests, and the timer); resolves once deletions are durable. */
  runPass(now?: Date): Promise<number>;
  stop(): void;
}

export function startTtlMonitor(catalog: Catalog, { sleepSecs = DEFAULT_TTL_SLEEP_SECS } = {}): TtlMonitor {
  const stats: TtlStats = { passes: 0, deletedDocuments: 0 };
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const partialFilters = new WeakMap<object, Predicate>();

  const runPass = async (now = new Date()): Promise<number> => {
    let deleted = 0;
    for (const database of catalog.databases.values()) {
      for (const collection of [...database.values()]) deleted += expire(collection, now, partialFilters);
    }
    stats.passes++;
    stats.deletedDocuments += deleted;
    if (deleted > 0) await catalog.journal?.commit();
    return deleted;
  };

  let period = sleepSecs;
  const schedule = () => {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      runPass().catch(() => undefined).finally(schedule);
    }, period * 1000);
    timer.unref();
  };

  const monitor: TtlMonitor = {
    stats,
    get sleepSecs() {
      return period;
    },
    setSleepSecs(seconds) {
      period = seconds;
      schedule();
    },
    runPass,
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
  schedule();
  return monitor;
}

/** Deletes the expired documents of one collection; returns how many. */
function expire(collection: CollectionStore, now: Date, partialFilters: WeakMap<object, Predicate>): number {
  if (collection.isView) return 0;
  const ttlIndexes = [...collection.indexes.values()].filter(isTtlIndex);
  if (ttlIndexes.length === 0) return 0;
  const expired: Doc[] = [];
  for (const doc of collection.docs.values()) {
    if (ttlIndexes.some((index) => isExpired(doc, index, now, partialFilters))) expired.push(doc);
  }
  for (const doc of expired) collection.remove(doc);
  return expired.length;
}

function isTtlIndex(index: IndexStore): boolean {
  const { spec } = index;
  return typeof spec.expireAfterSeconds === "number" && Object.keys(spec.key).length === 1 && !spec.hidden;
}

function isExpired(doc: Doc, index: IndexStore, now: Date, partialFilters: WeakMap<object, Predicate>): boolean {
  const field = Object.keys(index.spec.key)[0];
  const earliest = earliestDate(valueAt(doc, field));
  if (!earliest) return false;
  if (earliest.getTime() + Number(index.spec.expireAfterSeconds) * 1000 > now.getTime()) return false;
  const partial = index.spec.partialFilterExpression as Doc | undefined;
  if (!partial) return true;
  if (!partialFilters.has(index.spec)) partialFilters.set(index.spec, compileFilter(partial));
  return partialFilters.get(index.spec)!(doc);
}

function earliestDate(value: unknown): Date | undefined {
  const dates = (Array.isArray(value) ? value : [value]).filter((item): item is Date => item instanceof Date);
  return dates.length ? dates.reduce((a, b) => (a.getTime() <= b.getTime() ? a : b)) : undefined;
}

function valueAt(doc: Doc, path: string): unknown {
  let current: unknown = doc;
  for (const segment of path.split(".")) {
    if (current === null || typeof current !== "object" || Array.isArray(current)) return undefined;
    current = (current as Doc)[segment];
  }
  return current;
}
