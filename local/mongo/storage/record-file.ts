/**
 * The on-disk format shared by the journal and the snapshot: a sequence of frames, each
 * `[magic u32][payload length u32][CRC-32 of payload u32][payload]`, the payload being one or
 * more BSON records. One group commit is one frame, written with one write.
 *
 * The checksum is what tells a frame the process was writing when it died (a torn tail: it was
 * never acknowledged, so it is dropped) from damage to data that was acknowledged (a loud error).
 * A bad frame counts as the torn tail only when no valid frame follows it; the magic number
 * makes looking for a following frame cheap.
 */
import { crc32 } from "node:zlib";
import { calculateObjectSize, deserialize, serialize, type Document, type SerializeOptions } from "bson";
import { normalizeNumbers } from "../bson-values.ts";

const MAGIC = 0x4c4e524a; // "JRNL" read little-endian
export const FRAME_HEADER_SIZE = 12;

/** Records read back exactly as the wire reads documents, so types round-trip (see `messages.ts`). */
const DESERIALIZE_OPTIONS = { promoteValues: false, bsonRegExp: true } as const;

/** ignoreUndefined: what a client reading the document would get, as replies are encoded. */
const SERIALIZE_OPTIONS = { ignoreUndefined: true } as const;
/**
 * `serialize` works in a shared buffer of this size and, past it, throws or (for a string)
 * silently returns a cut document. Updates can grow a document that far (the stand-in does
 * not cap documents at 16 MiB), so larger records are encoded again in a buffer made to fit.
 */
const BSON_SERIALIZE_BUFFER = 17 * 1024 * 1024;

export function encodeRecord(record: Document): Buffer {
  let bytes: Uint8Array | undefined;
  try {
    bytes = serialize(record, SERIALIZE_OPTIONS);
  } catch {
    // Retried below with room to spare; a record that still cannot be encoded throws from there.
  }
  if (!bytes || bytes.byteLength >= BSON_SERIALIZE_BUFFER) {
    // minInternalBufferSize: an option bson's serialize reads but its types do not declare.
    const fit = { ...SERIALIZE_OPTIONS, minInternalBufferSize: calculateObjectSize(record, SERIALIZE_OPTIONS) } as SerializeOptions;
    bytes = serialize(record, fit);
  }
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function encodeFrame(records: Buffer[]): Buffer {
  const payloadLength = records.reduce((sum, record) => sum + record.length, 0);
  const frame = Buffer.allocUnsafe(FRAME_HEADER_SIZE + payloadLength);
  let offset = FRAME_HEADER_SIZE;
  for (const record of records) offset += record.copy(frame, offset);
  const payload = frame.subarray(FRAME_HEADER_SIZE);
  frame.writeUInt32LE(MAGIC, 0);
  frame.writeUInt32LE(payloadLength, 4);
  frame.writeUInt32LE(crc32(payload), 8);
  return frame;
}

export class CorruptFileError extends Error {}

export interface ReadResult {
  /** Bytes of the file made of valid frames; less than its size when a torn tail was found. */
  validLength: number;
  tornTail: boolean;
}

/**
 * Calls `onRecord` for every record of every valid frame, in order. A bad frame with a valid one
 * after it is corruption and throws, naming the file and offset; a bad frame at the end is the
 * torn tail, reported in the result when `allowTornTail`, an error otherwise.
 */
export type RecordHandler = (record: Document, offset: number) => "stop" | void;

export function readRecords(file: string, data: Buffer, allowTornTail: boolean, onRecord: RecordHandler): ReadResult {
  let offset = 0;
  while (offset < data.length) {
    const problem = frameProblem(data, offset);
    if (problem) {
      const next = nextValidFrame(data, offset + 1);
      if (next >= 0) throw new CorruptFileError(`${file}: corrupt frame at offset ${offset} (${problem}) followed by valid data at offset ${next}; refusing to start rather than lose acknowledged writes`);
      if (!allowTornTail) throw new CorruptFileError(`${file}: incomplete or corrupt frame at offset ${offset} (${problem})`);
      return { validLength: offset, tornTail: true };
    }
    const length = data.readUInt32LE(offset + 4);
    const payloadStart = offset + FRAME_HEADER_SIZE;
    const stopped = readPayload(file, data.subarray(payloadStart, payloadStart + length), payloadStart, onRecord);
    offset = payloadStart + length;
    if (stopped) break;
  }
  return { validLength: offset, tornTail: false };
}

/** True when `onRecord` asked to stop reading. */
function readPayload(file: string, payload: Buffer, base: number, onRecord: RecordHandler): boolean {
  let cursor = 0;
  while (cursor < payload.length) {
    const at = base + cursor;
    const size = cursor + 4 <= payload.length ? payload.readInt32LE(cursor) : -1;
    if (size < 5 || cursor + size > payload.length) throw new CorruptFileError(`${file}: record at offset ${at} has an impossible length ${size}`);
    let record: Document;
    try {
      record = deserialize(payload.subarray(cursor, cursor + size), DESERIALIZE_OPTIONS);
    } catch (error) {
      throw new CorruptFileError(`${file}: record at offset ${at} is not valid BSON: ${(error as Error).message}`);
    }
    normalizeNumbers(record);
    try {
      if (onRecord(record, at) === "stop") return true;
    } catch (error) {
      if (error instanceof CorruptFileError) throw error;
      throw new CorruptFileError(`${file}: record at offset ${at} (${String(record.op)}) cannot be applied: ${(error as Error).message}`);
    }
    cursor += size;
  }
  return false;
}

/** Why the frame at `offset` is not valid, or undefined when it is. */
function frameProblem(data: Buffer, offset: number): string | undefined {
  if (offset + FRAME_HEADER_SIZE > data.length) return "truncated frame header";
  if (data.readUInt32LE(offset) !== MAGIC) return "bad frame marker";
  const length = data.readUInt32LE(offset + 4);
  const end = offset + FRAME_HEADER_SIZE + length;
  if (end > data.length) return `frame of ${length} bytes runs past the end of the file`;
  if (crc32(data.subarray(offset + FRAME_HEADER_SIZE, end)) !== data.readUInt32LE(offset + 8)) return "checksum mismatch";
  return undefined;
}

function nextValidFrame(data: Buffer, from: number): number {
  const marker = Buffer.alloc(4);
  marker.writeUInt32LE(MAGIC, 0);
  for (let at = data.indexOf(marker, from); at >= 0; at = data.indexOf(marker, at + 1)) {
    if (!frameProblem(data, at)) return at;
  }
  return -1;
}
