/**
 * The wire protocol as the driver and hand-built messages exercise it: connection options,
 * concurrent clients, unacknowledged writes, OP_MSG document sequences, legacy OP_QUERY,
 * malformed and oversized messages, and cursors left behind by a vanished client.
 */
import { connect, type Socket } from "node:net";
import { deserialize, serialize, type Document } from "bson";
import { MongoClient, type Db } from "mongodb";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startTestMongo, type TestMongo } from "#test/helpers/mongo.ts";

/** Documents of any shape, with any `_id` type (the driver assumes ObjectId otherwise). */
type Doc = { _id?: string | number | boolean | null | Date | import("mongodb").ObjectId | import("mongodb").Long | import("mongodb").Decimal128 | import("mongodb").Binary; [key: string]: any };

const OP_REPLY = 1;
const OP_QUERY = 2004;
const OP_MSG = 2013;
const MORE_TO_COME = 1 << 1;

let mongo: TestMongo;
let db: Db;
let host: string;
let port: number;

beforeAll(async () => {
  mongo = await startTestMongo();
  db = mongo.freshDatabase("wire");
  const url = new URL(mongo.uri);
  host = url.hostname;
  port = Number(url.port || 27017);
});

afterAll(async () => {
  await mongo?.close();
});

// ---- hand-built messages -------------------------------------------------------------------

function header(length: number, requestId: number, opCode: number): Buffer {
  const buffer = Buffer.alloc(16);
  buffer.writeInt32LE(length, 0);
  buffer.writeInt32LE(requestId, 4);
  buffer.writeInt32LE(0, 8);
  buffer.writeInt32LE(opCode, 12);
  return buffer;
}

function int32(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeInt32LE(value);
  return buffer;
}

/** An OP_MSG with a body section and optional kind-1 document sequences. */
function opMsg(requestId: number, body: Document, sequences: Array<[string, Document[]]> = [], flags = 0): Buffer {
  const sections: Buffer[] = [Buffer.from([0]), Buffer.from(serialize(body))];
  for (const [identifier, docs] of sequences) {
    const payload = Buffer.concat([Buffer.from(`${identifier}\0`, "utf8"), ...docs.map((doc) => Buffer.from(serialize(doc)))]);
    sections.push(Buffer.from([1]), int32(payload.length + 4), payload);
  }
  const content = Buffer.concat([int32(flags), ...sections]);
  return Buffer.concat([header(16 + content.length, requestId, OP_MSG), content]);
}

/** A legacy OP_QUERY against `<namespace>` (e.g. `admin.$cmd`). */
function opQuery(requestId: number, namespace: string, query: Document): Buffer {
  const content = Buffer.concat([int32(0), Buffer.from(`${namespace}\0`, "utf8"), int32(0), int32(-1), Buffer.from(serialize(query))]);
  return Buffer.concat([header(16 + content.length, requestId, OP_QUERY), content]);
}

interface Reply {
  opCode: number;
  responseTo: number;
  doc: Document;
  /** OP_REPLY only. */
  numberReturned?: number;
}

function parseReply(message: Buffer): Reply {
  const opCode = message.readInt32LE(12);
  const responseTo = message.readInt32LE(8);
  if (opCode === OP_MSG) return { opCode, responseTo, doc: deserialize(message.subarray(21), { promoteLongs: false }) };
  if (opCode === OP_REPLY) {
    return { opCode, responseTo, numberReturned: message.readInt32LE(32), doc: deserialize(message.subarray(36), { promoteLongs: false }) };
  }
  throw new Error(`unexpected opcode ${opCode}`);
}

/** A raw TCP connection to the server that hands out whole reply messages. */
class RawConnection {
  readonly socket: Socket;
  readonly closed: Promise<void>;
  private buffer = Buffer.alloc(0);
  private readonly messages: Buffer[] = [];
  private readonly waiters: Array<{ resolve: (m: Buffer) => void; reject: (e: Error) => void }> = [];

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on("data", (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      while (this.buffer.length >= 4 && this.buffer.length >= this.buffer.readInt32LE(0)) {
        const length = this.buffer.readInt32LE(0);
        const message = this.buffer.subarray(0, length);
        this.buffer = this.buffer.subarray(length);
        const waiter = this.waiters.shift();
        if (waiter) waiter.resolve(message);
        else this.messages.push(message);
      }
    });
    socket.on("error", () => undefined);
    this.closed = new Promise((resolve) => socket.on("close", () => {
      for (const waiter of this.waiters.splice(0)) waiter.reject(new Error("connection closed"));
      resolve();
    }));
  }

  static open(): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port }, () => resolve(new RawConnection(socket)));
      socket.once("error", reject);
    });
  }

  send(message: Buffer): void {
    this.socket.write(message);
  }

  next(): Promise<Reply> {
    const ready = this.messages.shift();
    if (ready) return Promise.resolve(parseReply(ready));
    if (this.socket.destroyed) return Promise.reject(new Error("connection closed"));
    return new Promise<Buffer>((resolve, reject) => this.waiters.push({ resolve, reject })).then(parseReply);
  }

  /** The next reply, or "closed" when the server drops the connection instead. */
  nextOrClose(): Promise<Reply | "closed"> {
    return Promise.race([this.next().catch(() => "closed" as const), this.closed.then(() => "closed" as const)]);
  }

  destroy(): void {
    this.socket.destroy();
  }
}

async function openCursorCount(): Promise<number> {
  const status = await mongo.client.db("admin").command({ serverStatus: 1 });
  return status.metrics.cursor.open.total;
}

async function pingWithNewClient(): Promise<number> {
  const client = new MongoClient(mongo.uri, { serverSelectionTimeoutMS: 5_000 });
  try {
    const reply = await client.db("admin").command({ ping: 1 });
    return reply.ok;
  } finally {
    await client.close();
  }
}

// ---- through the driver --------------------------------------------------------------------

describe("connections through the driver", () => {
  it("serves a client connecting with directConnection=true", async () => {
    const client = new MongoClient(`mongodb://${host}:${port}/?directConnection=true`, { serverSelectionTimeoutMS: 5_000 });
    try {
      const coll = client.db(db.databaseName).collection<Doc>("direct");
      await coll.insertOne({ _id: 1, via: "direct" });

      const found = await coll.findOne({ _id: 1 });

      expect(found).toEqual({ _id: 1, via: "direct" });
    } finally {
      await client.close();
    }
  });

  it("serves a client connecting with default options (no directConnection)", async () => {
    const client = new MongoClient(`mongodb://${host}:${port}/`, { serverSelectionTimeoutMS: 5_000 });
    try {
      const coll = client.db(db.databaseName).collection<Doc>("default");
      await coll.insertOne({ _id: 1, via: "default" });

      const found = await coll.findOne({ _id: 1 });

      expect(found).toEqual({ _id: 1, via: "default" });
    } finally {
      await client.close();
    }
  });

  it("applies every insert of 5 clients writing in parallel", async () => {
    const clients = Array.from({ length: 5 }, () => new MongoClient(mongo.uri, { serverSelectionTimeoutMS: 5_000, maxPoolSize: 5 }));
    try {
      await Promise.all(clients.map((client, c) => {
        const coll = client.db(db.databaseName).collection<Doc>("parallel");
        return Promise.all(Array.from({ length: 20 }, (_, i) => coll.insertOne({ client: c, i })));
      }));
      const status = await mongo.client.db("admin").command({ serverStatus: 1 });

      const total = await db.collection<Doc>("parallel").countDocuments();
      const perClient = await db.collection<Doc>("parallel").aggregate([{ $group: { _id: "$client", n: { $sum: 1 } } }, { $sort: { _id: 1 } }]).toArray();

      expect(total).toBe(100);
      expect(perClient).toEqual([0, 1, 2, 3, 4].map((c) => ({ _id: c, n: 20 })));
      expect(status.connections.current).toBeGreaterThanOrEqual(6);
    } finally {
      await Promise.all(clients.map((client) => client.close()));
    }
  });

  it("applies unacknowledged (w: 0) writes and reports them as not acknowledged", async () => {
    // One connection, so the later count is read after the unacknowledged writes on the same socket.
    const client = new MongoClient(mongo.uri, { serverSelectionTimeoutMS: 5_000, maxPoolSize: 1 });
    try {
      const coll = client.db(db.databaseName).collection<Doc>("unacknowledged");

      const one = await coll.insertOne({ _id: 1 }, { writeConcern: { w: 0 } });
      const many = await coll.insertMany([{ _id: 2 }, { _id: 3 }], { writeConcern: { w: 0 } });
      const update = await coll.updateOne({ _id: 1 }, { $set: { x: 1 } }, { writeConcern: { w: 0 } });

      expect(one.acknowledged).toBe(false);
      expect(many.acknowledged).toBe(false);
      expect(update.acknowledged).toBe(false);
      expect(await coll.find().sort({ _id: 1 }).toArray()).toEqual([{ _id: 1, x: 1 }, { _id: 2 }, { _id: 3 }]);
    } finally {
      await client.close();
    }
  });
});

// ---- hand-built messages -------------------------------------------------------------------

describe("raw wire messages", () => {
  it("sends no reply to an OP_MSG with moreToCome, yet applies the write", async () => {
    const raw = await RawConnection.open();
    try {
      raw.send(opMsg(1, { insert: "moreToCome", $db: db.databaseName, writeConcern: { w: 0 } }, [["documents", [{ _id: 1 }]]], MORE_TO_COME));
      raw.send(opMsg(2, { ping: 1, $db: "admin" }));

      const first = await raw.next();

      expect(first.responseTo).toBe(2);
      expect(first.doc.ok).toBe(1);
      expect(await db.collection<Doc>("moreToCome").find().toArray()).toEqual([{ _id: 1 }]);
    } finally {
      raw.destroy();
    }
  });

  it("answers an OP_MSG insert whose documents come as a kind-1 document sequence", async () => {
    const raw = await RawConnection.open();
    try {
      raw.send(opMsg(7, { insert: "sequence", ordered: true, $db: db.databaseName }, [["documents", [{ _id: 1, a: "x" }, { _id: 2, a: "y" }]]]));

      const reply = await raw.next();

      expect(reply.opCode).toBe(OP_MSG);
      expect(reply.responseTo).toBe(7);
      expect(reply.doc).toEqual({ n: 2, ok: 1 });
      expect(await db.collection<Doc>("sequence").find().sort({ _id: 1 }).toArray()).toEqual([{ _id: 1, a: "x" }, { _id: 2, a: "y" }]);
    } finally {
      raw.destroy();
    }
  });

  it("reports duplicate keys inside a document sequence as write errors with their index", async () => {
    const raw = await RawConnection.open();
    try {
      raw.send(opMsg(8, { insert: "sequenceDup", ordered: false, $db: db.databaseName }, [["documents", [{ _id: 1 }, { _id: 1 }, { _id: 2 }]]]));

      const reply = await raw.next();

      expect(reply.doc.ok).toBe(1);
      expect(reply.doc.n).toBe(2);
      expect(reply.doc.writeErrors).toHaveLength(1);
      expect(reply.doc.writeErrors[0]).toMatchObject({ index: 1, code: 11000 });
    } finally {
      raw.destroy();
    }
  });

  it("answers a legacy OP_QUERY isMaster on admin.$cmd with an OP_REPLY", async () => {
    const raw = await RawConnection.open();
    try {
      raw.send(opQuery(11, "admin.$cmd", { isMaster: 1 }));

      const reply = await raw.next();

      expect(reply.opCode).toBe(OP_REPLY);
      expect(reply.responseTo).toBe(11);
      expect(reply.numberReturned).toBe(1);
      expect(reply.doc).toMatchObject({ ismaster: true, maxWireVersion: 25, maxBsonObjectSize: 16777216, ok: 1 });
    } finally {
      raw.destroy();
    }
  });

  it("answers an OP_MSG whose BSON length is corrupt with an error or a closed connection, and keeps serving", async () => {
    const raw = await RawConnection.open();
    const body = Buffer.from(serialize({ ping: 1, $db: "admin" }));
    body.writeInt32LE(body.length + 100, 0); // declares more bytes than the message holds
    const content = Buffer.concat([int32(0), Buffer.from([0]), body]);
    try {
      raw.send(Buffer.concat([header(16 + content.length, 21, OP_MSG), content]));

      const outcome = await raw.nextOrClose();

      if (outcome !== "closed") {
        expect(outcome.responseTo).toBe(21);
        expect(outcome.doc.ok).toBe(0);
        expect(typeof outcome.doc.code).toBe("number");
      }
      expect(await pingWithNewClient()).toBe(1);
    } finally {
      raw.destroy();
    }
  });

  it("answers an OP_MSG with a corrupt BSON element with an error or a closed connection, and keeps serving", async () => {
    const raw = await RawConnection.open();
    const body = Buffer.from(serialize({ ping: 1, $db: "admin" }));
    body.writeUInt8(0x7a, 4); // an element type byte that does not exist
    const content = Buffer.concat([int32(0), Buffer.from([0]), body]);
    try {
      raw.send(Buffer.concat([header(16 + content.length, 22, OP_MSG), content]));

      const outcome = await raw.nextOrClose();

      if (outcome !== "closed") expect(outcome.doc.ok).toBe(0);
      expect(await pingWithNewClient()).toBe(1);
    } finally {
      raw.destroy();
    }
  });

  it("closes a connection whose message declares more than 48,000,000 bytes and keeps serving others", async () => {
    const bystander = new MongoClient(mongo.uri, { serverSelectionTimeoutMS: 5_000 });
    const raw = await RawConnection.open();
    try {
      await bystander.db("admin").command({ ping: 1 });

      raw.send(header(48_000_001, 31, OP_MSG));
      const outcome = await raw.nextOrClose();

      expect(outcome).toBe("closed");
      expect((await bystander.db("admin").command({ ping: 1 })).ok).toBe(1);
      expect(await pingWithNewClient()).toBe(1);
    } finally {
      raw.destroy();
      await bystander.close();
    }
  });
});

// ---- cursors of clients that go away -------------------------------------------------------

describe("cursors of clients that go away", () => {
  beforeAll(async () => {
    await db.collection<Doc>("many").insertMany(Array.from({ length: 100 }, (_, i) => ({ _id: i })));
  });

  it("closes the cursors of a connection dropped mid-cursor", async () => {
    const before = await openCursorCount();
    const raw = await RawConnection.open();
    raw.send(opMsg(41, { find: "many", filter: {}, batchSize: 2, $db: db.databaseName }));
    const reply = await raw.next();
    expect(reply.doc.cursor.firstBatch).toEqual([{ _id: 0 }, { _id: 1 }]);
    expect(reply.doc.cursor.id.isZero()).toBe(false);
    expect(await openCursorCount()).toBe(before + 1);

    raw.destroy();

    await vi.waitFor(async () => expect(await openCursorCount()).toBe(before), { timeout: 5_000, interval: 20 });
    expect(await pingWithNewClient()).toBe(1);
  });

  it("stays healthy when a driver client closes with a cursor open", async () => {
    const before = await openCursorCount();
    const client = new MongoClient(mongo.uri, { serverSelectionTimeoutMS: 5_000 });
    const cursor = client.db(db.databaseName).collection<Doc>("many").find({}, { batchSize: 2 });
    expect(await cursor.next()).toEqual({ _id: 0 });
    expect(await openCursorCount()).toBe(before + 1);

    await client.close();

    await vi.waitFor(async () => expect(await openCursorCount()).toBe(before), { timeout: 5_000, interval: 20 });
    expect(await db.collection<Doc>("many").countDocuments()).toBe(100);
  });
});
