/**
 * Retryable writes: the driver attaches a transaction number to writes (the replica set
 * handshake allows it), and a write sent again with the same `lsid` and `txnNumber`, as the
 * driver resends one whose answer it lost, is applied once and answered as before.
 */
import { Long, MongoClient, MongoServerError, type ClientSession, type Db, type Document } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestMongo, type TestMongo } from "#test/helpers/mongo.ts";

/** Documents of any shape (the driver types update operators by the fields it knows). */
type Doc = { _id: number | string; [key: string]: any };

let mongo: TestMongo;
/** A client of its own: the transaction numbers chosen here must not meet the driver's. */
let client: MongoClient;
let db: Db;
let session: ClientSession;
let nextTxnNumber = 1;

beforeAll(async () => {
  mongo = await startTestMongo();
  client = new MongoClient(mongo.uri);
  db = client.db(mongo.freshDatabase("retry").databaseName);
  session = client.startSession();
});

afterAll(async () => {
  await session?.endSession();
  await client?.close();
  await mongo?.close();
});

/** Sends `command` twice under one new transaction number; returns both replies. */
async function sendTwice(command: Document): Promise<[Document, Document]> {
  const txnNumber = Long.fromNumber(nextTxnNumber++);
  const first = await db.command({ ...command, txnNumber }, { session });
  const second = await db.command({ ...command, txnNumber }, { session });
  return [first, second];
}

describe("retried writes", () => {
  it("applies an insert sent twice with the same lsid and txnNumber once, and answers the same", async () => {
    const [first, second] = await sendTwice({ insert: "once", documents: [{ _id: 1 }, { _id: 2 }] });

    expect(first).toEqual({ n: 2, ok: 1 });
    expect(second).toEqual({ n: 2, retriedStmtIds: [0, 1], ok: 1 });
    expect(await db.collection<Doc>("once").find().toArray()).toEqual([{ _id: 1 }, { _id: 2 }]);
  });

  it("applies an $inc sent twice once", async () => {
    await db.collection<Doc>("inc").insertOne({ _id: 1, n: 0 });

    const [first, second] = await sendTwice({ update: "inc", updates: [{ q: { _id: 1 }, u: { $inc: { n: 1 } } }, { q: { _id: 2 }, u: { $inc: { n: 5 } }, upsert: true }] });

    expect(first).toEqual({ n: 2, nModified: 1, upserted: [{ index: 1, _id: 2 }], ok: 1 });
    expect(second).toEqual({ ...first, retriedStmtIds: [0, 1] });
    expect(await db.collection<Doc>("inc").find().sort({ _id: 1 }).toArray()).toEqual([{ _id: 1, n: 1 }, { _id: 2, n: 5 }]);
  });

  it("answers a findAndModify sent twice with its first reply, marked retriedStmtId", async () => {
    await db.collection<Doc>("fam").insertOne({ _id: 1, n: 0 });

    const [first, second] = await sendTwice({ findAndModify: "fam", query: { _id: 1 }, update: { $inc: { n: 1 } }, new: true });

    expect(first.value).toEqual({ _id: 1, n: 1 });
    expect(second).toEqual({ ...first, retriedStmtId: 0 });
    expect(await db.collection<Doc>("fam").findOne({ _id: 1 })).toEqual({ _id: 1, n: 1 });
  });

  it("applies a deleteOne sent twice once, even when another document matches by then", async () => {
    await db.collection<Doc>("del").insertMany([{ _id: 1, tag: "x" }, { _id: 2, tag: "x" }]);

    const [first, second] = await sendTwice({ delete: "del", deletes: [{ q: { tag: "x" }, limit: 1 }] });

    expect(first).toEqual({ n: 1, ok: 1 });
    expect(second).toEqual({ n: 1, retriedStmtIds: [0], ok: 1 });
    expect(await db.collection<Doc>("del").countDocuments()).toBe(1);
  });

  it("runs on retry only the statements that failed the first time", async () => {
    await db.collection<Doc>("partial").insertOne({ _id: "taken" });
    const txnNumber = Long.fromNumber(nextTxnNumber++);
    const command = { insert: "partial", documents: [{ _id: "a" }, { _id: "taken", again: true }, { _id: "b" }], ordered: false, txnNumber };

    const first = await db.command(command, { session });
    await db.collection<Doc>("partial").deleteOne({ _id: "taken" });
    const second = await db.command(command, { session });

    expect(first).toMatchObject({ n: 2, writeErrors: [{ index: 1, code: 11000 }] });
    expect(second).toEqual({ n: 3, retriedStmtIds: [0, 2], ok: 1 });
    expect(await db.collection<Doc>("partial").find().sort({ _id: 1 }).toArray()).toEqual([{ _id: "a" }, { _id: "b" }, { _id: "taken", again: true }]);
  });
});

describe("transaction numbers", () => {
  it("refuses a write with an older txnNumber than the session's with TransactionTooOld", async () => {
    const current = Long.fromNumber(nextTxnNumber++);
    await db.command({ insert: "old", documents: [{ _id: 1 }], txnNumber: current }, { session });

    const error = await db.command({ insert: "old", documents: [{ _id: 2 }], txnNumber: current.subtract(1) }, { session }).catch((e: MongoServerError) => e);

    expect(error).toBeInstanceOf(MongoServerError);
    expect((error as MongoServerError).code).toBe(225);
    expect((error as MongoServerError).codeName).toBe("TransactionTooOld");
    expect(await db.collection<Doc>("old").countDocuments()).toBe(1);
  });

  it("refuses a txnNumber on a command that is neither a write nor in a transaction", async () => {
    const error = await db.command({ find: "old", txnNumber: Long.fromNumber(nextTxnNumber++) }, { session }).catch((e: MongoServerError) => e);

    expect((error as MongoServerError).code).toBe(50768);
  });

  it("has the driver number its writes, with directConnection and with discovery alike", async () => {
    const numbered: boolean[] = [];
    for (const uri of [mongo.uri, mongo.uri.replace(/directConnection=true&?/, "")]) {
      const monitored = new MongoClient(uri, { monitorCommands: true });
      monitored.on("commandStarted", (event) => {
        if (event.commandName === "insert") numbered.push(event.command.txnNumber !== undefined);
      });
      await monitored.db(db.databaseName).collection<Doc>("driver").insertOne({ _id: numbered.length });
      await monitored.close();
    }

    expect(numbered).toEqual([true, true]);
  });
});
