/**
 * The journal: every storage change as a record, appended in memory as it happens and made
 * durable by `commit`, which the connection awaits before acknowledging a write. Commits group:
 * one write and one fdatasync cover every record appended so far, and callers arriving while a
 * sync is in flight wait for the next one, which covers theirs.
 *
 * When the file outgrows `compactBytes` (and on close) the whole catalog is written as a new
 * snapshot and the journal restarts empty under the next generation (see `persistence.ts` for
 * why each step is safe to crash in).
 */
import { open, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import type { Document } from "bson";
import type { Catalog } from "./catalog.ts";
import { replaceFileDurably, writeAll } from "./durable-files.ts";
import { encodeFrame, encodeRecord } from "./record-file.ts";
import { catalogRecords } from "./replay.ts";

/** Where storage changes are recorded when the server persists. */
export interface JournalSink {
  append(record: Document): void;
}

/** What a collection reaches the journal through: its catalog, whose journal is set once replay is done. */
export interface JournalOwner {
  readonly journal?: JournalSink;
}

export const JOURNAL_FILE = "journal.bson";
export const SNAPSHOT_FILE = "snapshot.bson";
export const FORMAT_VERSION = 1;
/** Snapshot frames are cut at about this size, so no single buffer holds the whole catalog. */
const SNAPSHOT_FRAME_BYTES = 4 << 20;

export const headerRecord = (kind: "journal" | "snapshot", generation: number): Document =>
  ({ op: "header", kind, format: FORMAT_VERSION, generation });

export interface JournalState {
  dir: string;
  catalog: Catalog;
  generation: number;
  /** The open journal file and its length (appends go at the end). */
  handle: FileHandle;
  size: number;
  compactBytes: number;
}

export class Journal implements JournalSink {
  private readonly state: JournalState;
  private pending: Buffer[] = [];
  /** Records appended since startup, and how many of them are on disk. */
  private appended = 0;
  private durable = 0;
  private inFlight?: Promise<void>;
  private failure?: Error;
  private closed = false;

  constructor(state: JournalState) {
    this.state = state;
  }

  /** Counts records appended so far; a command that changed it wrote something. */
  get sequence(): number {
    return this.appended;
  }

  append(record: Document): void {
    this.appended++;
    // Once failed, nothing is written again: keeping records would only grow memory.
    if (this.failure) return;
    try {
      // Encoded now: the record must say what the change was at this moment.
      this.pending.push(encodeRecord(record));
    } catch (error) {
      // The change is made in memory already; without its record no later write may be
      // acknowledged, or the disk would silently diverge from what clients were told.
      this.fail(new Error(`a ${String(record.op)} record could not be encoded: ${(error as Error).message}`));
    }
  }

  /** Resolves once every record appended before the call is on disk. */
  async commit(): Promise<void> {
    const target = this.appended;
    while (this.durable < target) {
      if (this.failure) throw this.failure;
      if (this.closed) throw new Error("the journal is closed");
      await (this.inFlight ?? this.run(() => this.flush()));
    }
  }

  /** Writes what is pending and, when `compact`, folds everything into a new snapshot. */
  async close({ compact }: { compact: boolean }): Promise<void> {
    while (this.inFlight) await this.inFlight;
    // Closed first, so the last step schedules no compaction after itself.
    this.closed = true;
    if (!this.failure) await this.run(() => (compact ? this.compact() : this.flush()));
    await this.state.handle.close();
    if (this.failure) throw this.failure;
  }

  /** Runs one step of the journal's single line of file work; a failure stops all later commits. */
  private run(step: () => Promise<void>): Promise<void> {
    const promise: Promise<void> = step()
      .catch((error: Error) => this.fail(error))
      .finally(() => {
        if (this.inFlight !== promise) return;
        this.inFlight = undefined;
        if (!this.failure && !this.closed && this.state.size > this.state.compactBytes) this.run(() => this.compact());
      });
    this.inFlight = promise;
    return promise;
  }

  private fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    console.error(`[mongo stand-in] journal failed, writes can no longer be acknowledged: ${error.message}`);
  }

  private async flush(): Promise<void> {
    const batch = this.pending;
    const upTo = this.appended;
    this.pending = [];
    if (batch.length) {
      const frame = encodeFrame(batch);
      await writeAll(this.state.handle, frame, this.state.size);
      this.state.size += frame.length;
      await this.state.handle.datasync();
    }
    this.durable = upTo;
  }

  /**
   * Snapshot, then a fresh journal. The catalog is encoded synchronously, so the snapshot holds
   * exactly the records appended so far: those still pending are in it and never reach the old
   * journal. Until the new snapshot is renamed in, the old snapshot and journal stay complete;
   * after that, the old journal is older than the snapshot and ignored on replay.
   */
  private async compact(): Promise<void> {
    const { dir, catalog } = this.state;
    const generation = this.state.generation + 1;
    const upTo = this.appended;
    this.pending = [];
    const frames = snapshotFrames(catalog, generation);
    await replaceFileDurably(dir, SNAPSHOT_FILE, frames);
    const header = encodeFrame([encodeRecord(headerRecord("journal", generation))]);
    await replaceFileDurably(dir, JOURNAL_FILE, [header]);
    const handle = await open(join(dir, JOURNAL_FILE), "r+");
    await this.state.handle.close();
    Object.assign(this.state, { handle, size: header.length, generation });
    this.durable = upTo;
  }
}

function snapshotFrames(catalog: Catalog, generation: number): Buffer[] {
  const frames: Buffer[] = [];
  let batch: Buffer[] = [encodeRecord(headerRecord("snapshot", generation))];
  let batchBytes = 0;
  let count = 0;
  for (const record of catalogRecords(catalog)) {
    const encoded = encodeRecord(record);
    batch.push(encoded);
    batchBytes += encoded.length;
    count++;
    if (batchBytes >= SNAPSHOT_FRAME_BYTES) {
      frames.push(encodeFrame(batch));
      batch = [];
      batchBytes = 0;
    }
  }
  // The end record proves the snapshot complete: one without it is refused, never half-loaded.
  batch.push(encodeRecord({ op: "end", records: count }));
  frames.push(encodeFrame(batch));
  return frames;
}
