/**
 * `--dbpath`: a stand-in's data on disk, as `snapshot.bson` (the whole catalog as of one
 * generation) and `journal.bson` (every change since), each opening with a header that names its
 * generation. Startup replays the snapshot, then the journal when it is of the same generation,
 * drops a torn tail (a write the process died in, never acknowledged) and appends from there.
 *
 * Why a crash anywhere in a compaction is safe: the new snapshot is written to a temporary file
 * and renamed in only once complete and synced; until then the old snapshot and journal hold
 * everything acknowledged. Once it is in, the old journal is of an older generation and ignored,
 * until a fresh one (also renamed in complete) replaces it. A journal newer than the snapshot,
 * a snapshot without its end record, or a bad record followed by good ones is refused loudly.
 */
import { mkdir, open, rm } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Document } from "bson";
import type { Catalog } from "./catalog.ts";
import { acquireDbpathLock } from "./dbpath-lock.ts";
import { replaceFileDurably } from "./durable-files.ts";
import { FORMAT_VERSION, headerRecord, Journal, JOURNAL_FILE, SNAPSHOT_FILE } from "./journal.ts";
import { CorruptFileError, encodeFrame, encodeRecord, readRecords } from "./record-file.ts";
import { applyRecord } from "./replay.ts";

export const DEFAULT_COMPACT_BYTES = 64 * 1024 * 1024;

export interface Persistence {
  readonly journal: Journal;
  /** Compacts (so the next start replays one snapshot) and releases the dbpath. */
  close(): Promise<void>;
}

/** Loads `dbpath` into the (empty) catalog and starts journaling its changes there. */
export async function openDbpath(dbpath: string, catalog: Catalog, compactBytes = DEFAULT_COMPACT_BYTES): Promise<Persistence> {
  await mkdir(dbpath, { recursive: true });
  const lock = acquireDbpathLock(dbpath);
  try {
    // Left by a compaction that crashed before its rename; the files they would replace are whole.
    for (const name of [SNAPSHOT_FILE, JOURNAL_FILE]) await rm(join(dbpath, `${name}.tmp`), { force: true });
    const generation = loadSnapshot(join(dbpath, SNAPSHOT_FILE), catalog);
    const journal = await openJournal(dbpath, catalog, generation, compactBytes);
    catalog.journal = journal;
    let closing: Promise<void> | undefined;
    const close = async () => {
      try {
        await journal.close({ compact: true });
      } finally {
        lock.release();
      }
    };
    return { journal, close: () => (closing ??= close()) };
  } catch (error) {
    lock.release();
    throw error;
  }
}

/** Replays the snapshot, if any, and returns its generation (0 without one). */
function loadSnapshot(path: string, catalog: Catalog): number {
  const data = readIfExists(path);
  if (!data) return 0;
  let header: Document | undefined;
  let ended = false;
  let count = 0;
  readRecords(path, data, false, (record, offset) => {
    if (!header) header = checkHeader(path, record, "snapshot");
    else if (ended) throw new CorruptFileError(`${path}: record after the end record at offset ${offset}`);
    else if (record.op === "end") {
      if (record.records !== count) throw new CorruptFileError(`${path}: the end record counts ${record.records} records, the file holds ${count}`);
      ended = true;
    } else {
      applyRecord(catalog, record);
      count++;
    }
  });
  if (!header || !ended) throw new CorruptFileError(`${path}: the snapshot is incomplete (no ${header ? "end record" : "header"})`);
  return header.generation as number;
}

async function openJournal(dir: string, catalog: Catalog, generation: number, compactBytes: number): Promise<Journal> {
  const path = join(dir, JOURNAL_FILE);
  const data = readIfExists(path);
  let size: number | undefined;
  if (data) {
    let header: Document | undefined;
    let stale = false;
    const result = readRecords(path, data, true, (record) => {
      if (header) return void applyRecord(catalog, record);
      header = checkHeader(path, record, "journal");
      if ((header.generation as number) > generation) {
        throw new CorruptFileError(`${path} is of generation ${header.generation} but the snapshot of generation ${generation}: the snapshot is missing or was replaced`);
      }
      // An older journal was folded into the snapshot by a compaction that stopped before replacing it.
      stale = (header.generation as number) < generation;
      return stale ? "stop" : undefined;
    });
    if (!header) throw new CorruptFileError(`${path}: the journal has no header`);
    if (!stale) {
      size = result.validLength;
      if (result.tornTail) await dropTornTail(path, data.length, size);
    }
  }
  if (size === undefined) {
    const header = encodeFrame([encodeRecord(headerRecord("journal", generation))]);
    await replaceFileDurably(dir, JOURNAL_FILE, [header]);
    size = header.length;
  }
  const handle = await open(path, "r+");
  return new Journal({ dir, catalog, generation, handle, size, compactBytes });
}

async function dropTornTail(path: string, fileLength: number, validLength: number): Promise<void> {
  console.error(`[mongo stand-in] ${path}: dropping ${fileLength - validLength} bytes at offset ${validLength}, a write the process stopped in (never acknowledged)`);
  const handle = await open(path, "r+");
  try {
    await handle.truncate(validLength);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function checkHeader(path: string, record: Document, kind: "snapshot" | "journal"): Document {
  if (record.op !== "header" || record.kind !== kind || !Number.isInteger(record.generation)) {
    throw new CorruptFileError(`${path}: not a stand-in ${kind} file (its first record is not a ${kind} header)`);
  }
  if (record.format !== FORMAT_VERSION) throw new CorruptFileError(`${path}: format ${record.format}, this stand-in reads format ${FORMAT_VERSION}`);
  return record;
}

function readIfExists(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}
