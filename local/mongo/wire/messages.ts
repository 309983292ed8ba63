/**
 * MongoDB wire-protocol framing: OP_MSG (opcode 2013) in both directions, the legacy OP_QUERY
 * (2004) the driver may open a handshake with, and OP_REPLY (1) to answer it.
 * https://www.mongodb.com/docs/manual/reference/mongodb-wire-protocol/
 */
import { deserialize, serialize, type Document } from "bson";
import { normalizeNumbers } from "../bson-values.ts";

export const OP_REPLY = 1;
export const OP_QUERY = 2004;
export const OP_COMPRESSED = 2012;
export const OP_MSG = 2013;

export const MSG_CHECKSUM_PRESENT = 1 << 0;
export const MSG_MORE_TO_COME = 1 << 1;
/** The client accepts a stream of replies (moreToCome) to this request: awaitable `hello`. */
export const MSG_EXHAUST_ALLOWED = 1 << 16;

export const HEADER_SIZE = 16;
export const MAX_MESSAGE_SIZE = 48_000_000;
export const MAX_BSON_OBJECT_SIZE = 16 * 1024 * 1024;

/**
 * How the stand-in reads BSON: longs stay `Long`, regexes keep their BSON options, and numbers
 * are read unpromoted so that `normalizeNumbers` can tell an integral double from an int.
 */
const DESERIALIZE_OPTIONS = { promoteValues: false, bsonRegExp: true } as const;

export interface Header {
  messageLength: number;
  requestId: number;
  responseTo: number;
  opCode: number;
}

export interface CommandRequest {
  requestId: number;
  opCode: typeof OP_MSG | typeof OP_QUERY;
  /** The command document, document sequences folded in under their identifiers. */
  command: Document;
  /** The database the command runs against (`$db`, or the namespace prefix of OP_QUERY). */
  database: string;
  moreToCome: boolean;
  exhaustAllowed: boolean;
}

export class ProtocolError extends Error {}

export function readHeader(buffer: Buffer): Header {
  return {
    messageLength: buffer.readInt32LE(0),
    requestId: buffer.readInt32LE(4),
    responseTo: buffer.readInt32LE(8),
    opCode: buffer.readInt32LE(12),
  };
}

/** Parses one complete message (header included). */
export function parseMessage(message: Buffer): CommandRequest {
  const header = readHeader(message);
  if (header.opCode === OP_MSG) return parseOpMsg(header, message);
  if (header.opCode === OP_QUERY) return parseOpQuery(header, message);
  throw new ProtocolError(`Unsupported opcode ${header.opCode}`);
}

function readBsonDocument(buffer: Buffer, offset: number): { doc: Document; size: number } {
  if (offset + 4 > buffer.length) throw new ProtocolError("truncated BSON document");
  const size = buffer.readInt32LE(offset);
  if (size < 5 || offset + size > buffer.length) throw new ProtocolError(`invalid BSON document size ${size}`);
  const doc = deserialize(buffer.subarray(offset, offset + size), DESERIALIZE_OPTIONS);
  normalizeNumbers(doc);
  return { doc, size };
}

function parseOpMsg(header: Header, message: Buffer): CommandRequest {
  const flags = message.readUInt32LE(HEADER_SIZE);
  const end = flags & MSG_CHECKSUM_PRESENT ? message.length - 4 : message.length;
  let offset = HEADER_SIZE + 4;
  let body: Document | undefined;
  const sequences: Record<string, Document[]> = {};
  while (offset < end) {
    const kind = message.readUInt8(offset);
    offset += 1;
    if (kind === 0) {
      if (body) throw new ProtocolError("OP_MSG with more than one body section");
      const { doc, size } = readBsonDocument(message, offset);
      body = doc;
      offset += size;
    } else if (kind === 1) {
      const sectionSize = message.readInt32LE(offset);
      const sectionEnd = offset + sectionSize;
      if (sectionSize < 5 || sectionEnd > end) throw new ProtocolError("invalid document sequence size");
      const nameEnd = message.indexOf(0, offset + 4);
      if (nameEnd < 0 || nameEnd >= sectionEnd) throw new ProtocolError("unterminated document sequence identifier");
      const identifier = message.toString("utf8", offset + 4, nameEnd);
      const docs: Document[] = [];
      let cursor = nameEnd + 1;
      while (cursor < sectionEnd) {
        const { doc, size } = readBsonDocument(message, cursor);
        docs.push(doc);
        cursor += size;
      }
      sequences[identifier] = docs;
      offset = sectionEnd;
    } else {
      throw new ProtocolError(`unknown OP_MSG section kind ${kind}`);
    }
  }
  if (!body) throw new ProtocolError("OP_MSG without a body section");
  const command = { ...body, ...sequences };
  const database = typeof body.$db === "string" ? body.$db : "";
  return { requestId: header.requestId, opCode: OP_MSG, command, database, moreToCome: (flags & MSG_MORE_TO_COME) !== 0, exhaustAllowed: (flags & MSG_EXHAUST_ALLOWED) !== 0 };
}

function parseOpQuery(header: Header, message: Buffer): CommandRequest {
  let offset = HEADER_SIZE + 4;
  const nameEnd = message.indexOf(0, offset);
  if (nameEnd < 0) throw new ProtocolError("unterminated OP_QUERY namespace");
  const namespace = message.toString("utf8", offset, nameEnd);
  offset = nameEnd + 1 + 8;
  const { doc } = readBsonDocument(message, offset);
  const command = isWrappedQuery(doc) ? (doc.$query as Document) : doc;
  const [database, collection] = splitNamespace(namespace);
  if (collection !== "$cmd") throw new ProtocolError("OP_QUERY is only supported for commands");
  return { requestId: header.requestId, opCode: OP_QUERY, command, database, moreToCome: false, exhaustAllowed: false };
}

const isWrappedQuery = (doc: Document): boolean => "$query" in doc || "query" in doc && Object.keys(doc)[0] === "query";

function splitNamespace(namespace: string): [string, string] {
  const dot = namespace.indexOf(".");
  return dot < 0 ? [namespace, ""] : [namespace.slice(0, dot), namespace.slice(dot + 1)];
}

let nextRequestId = 1;

function frame(opCode: number, responseTo: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(HEADER_SIZE);
  header.writeInt32LE(HEADER_SIZE + payload.length, 0);
  header.writeInt32LE(nextRequestId++ & 0x7fffffff, 4);
  header.writeInt32LE(responseTo, 8);
  header.writeInt32LE(opCode, 12);
  return Buffer.concat([header, payload]);
}

export function encodeOpMsgReply(responseTo: number, reply: Document, { moreToCome = false } = {}): Buffer {
  const body = serialize(reply, { ignoreUndefined: true });
  const payload = Buffer.alloc(5 + body.length);
  payload.writeUInt32LE(moreToCome ? MSG_MORE_TO_COME : 0, 0);
  payload.writeUInt8(0, 4);
  payload.set(body, 5);
  return frame(OP_MSG, responseTo, payload);
}

export function encodeOpReply(responseTo: number, reply: Document): Buffer {
  const body = serialize(reply, { ignoreUndefined: true });
  const payload = Buffer.alloc(20 + body.length);
  payload.writeInt32LE(8, 0); // AwaitCapable, as servers set it
  payload.writeBigInt64LE(0n, 4);
  payload.writeInt32LE(0, 12);
  payload.writeInt32LE(1, 16);
  payload.set(body, 20);
  return frame(OP_REPLY, responseTo, payload);
}
