/**
 * Open cursors. A cursor holds the rest of its result (documents computed when the command ran)
 * and hands it out in batches through `getMore`; an exhausted cursor is closed and answers id 0.
 */
import { Long, type Document } from "bson";
import { CommandError, ErrorCodes } from "./errors.ts";

export interface OpenCursor {
  readonly id: Long;
  readonly namespace: string;
  readonly remaining: Document[];
  position: number;
  /** Applied to each document as it leaves (e.g. the find projection). */
  readonly transform?: (doc: Document) => Document;
  readonly connectionId: number;
}

const MAX_BATCH_BYTES = 16 * 1024 * 1024;

export class CursorRegistry {
  private readonly open = new Map<string, OpenCursor>();

  /**
   * Takes the first batch of `docs`; if anything is left, registers a cursor for it.
   * Returns the cursor document of a find/aggregate reply.
   */
  firstBatch(namespace: string, docs: Document[], batchSize: number | undefined, connectionId: number, transform?: (doc: Document) => Document, singleBatch = false): Document {
    const cursor: OpenCursor = { id: Long.ZERO, namespace, remaining: docs, position: 0, transform, connectionId };
    const batch = this.takeBatch(cursor, batchSize ?? 101);
    if (cursor.position >= docs.length || singleBatch) return { firstBatch: batch, id: Long.ZERO, ns: namespace };
    const id = this.newId();
    this.open.set(id.toString(), { ...cursor, id });
    return { firstBatch: batch, id, ns: namespace };
  }

  getMore(id: Long, namespace: string, batchSize: number | undefined): Document {
    const cursor = this.open.get(id.toString());
    if (!cursor) throw new CommandError(ErrorCodes.CursorNotFound, `cursor id ${id} not found`);
    if (cursor.namespace !== namespace) {
      throw new CommandError(ErrorCodes.Unauthorized, `Requested getMore on namespace '${namespace}', but cursor belongs to a different namespace ${cursor.namespace}`);
    }
    const batch = this.takeBatch(cursor, batchSize ?? Number.MAX_SAFE_INTEGER);
    const exhausted = cursor.position >= cursor.remaining.length;
    if (exhausted) this.open.delete(id.toString());
    return { nextBatch: batch, id: exhausted ? Long.ZERO : id, ns: namespace };
  }

  kill(ids: Long[]): { killed: Long[]; notFound: Long[] } {
    const killed: Long[] = [];
    const notFound: Long[] = [];
    for (const id of ids) (this.open.delete(id.toString()) ? killed : notFound).push(id);
    return { killed, notFound };
  }

  /** Cursors die with their connection: a client that vanishes cannot come back for them. */
  closeForConnection(connectionId: number): void {
    for (const [key, cursor] of this.open) if (cursor.connectionId === connectionId) this.open.delete(key);
  }

  get size(): number {
    return this.open.size;
  }

  private takeBatch(cursor: OpenCursor, batchSize: number): Document[] {
    const limit = batchSize <= 0 ? Number.MAX_SAFE_INTEGER : batchSize;
    const batch: Document[] = [];
    let bytes = 0;
    while (batch.length < limit && cursor.position < cursor.remaining.length) {
      const doc = cursor.remaining[cursor.position++];
      const out = cursor.transform ? cursor.transform(doc) : doc;
      batch.push(out);
      bytes += estimateSize(out);
      if (bytes > MAX_BATCH_BYTES) break;
    }
    return batch;
  }

  private newId(): Long {
    let id: Long;
    do id = Long.fromBigInt(BigInt.asIntN(63, BigInt(Math.floor(Math.random() * 2 ** 52)) * 2048n + BigInt(Math.floor(Math.random() * 2048))) || 1n);
    while (id.isZero() || this.open.has(id.toString()));
    return id;
  }
}

/** Rough BSON size, to keep a batch under the 16 MiB reply limit without serializing twice. */
function estimateSize(doc: Document): number {
  return JSON.stringify(doc)?.length ?? 0;
}
