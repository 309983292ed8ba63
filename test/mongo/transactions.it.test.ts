/**
 * Multi-document transactions through the official driver: all-or-nothing commits across
 * collections, snapshot reads, write conflicts the driver's `withTransaction` retries, the
 * server's errors for finished or unknown transactions and for commands a transaction refuses,
 * both connection modes, and durability of commits across a restart with a dbpath.
 */
import { Long, MongoClient, MongoServerError, type ClientSession, type Db } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMongoStandIn } from "#local/mongo/index.ts";
import { connectStandIn, crashImage, removeTempDbpaths, tempDbpath } from "#test/fixtures/mongo/dbpath.ts";
import { startTestMongo, type TestMongo } from "#test/helpers/mongo.ts";

/** Documents of any shape (the driver types update operators by the fields it knows). */
type Doc = { _id: number | string; [key: string]: any };

let mongo: TestMongo;
let db: Db;

beforeAll(async () => {
  mongo = await startTestMongo();
  db = mongo.freshDatabase("txn");
});

afterAll(async () => {
  await mongo?.close();
  await removeTempDbpaths();
});

/** Runs `work` in a session of `client` that is always ended. */
async function withSession<T>(client: MongoClient, work: (session: ClientSession) => Promise<T>): Promise<T> {
  const session = client.startSession();
  try {
    return await work(session);
  } finally {
    await session.endSession();
  }
}

const failure = (promise: Promise<unknown>): Promise<MongoServerError> => promise.then(() => Promise.reject(new Error("expected a failure")), (error: MongoServerError) => error);

describe("commit and abort", () => {
  it("commits inserts, updates and deletes across two collections at once with withTransaction", async () => {
    const accounts = db.collection<Doc>("accounts");
    const ledger = db.collection<Doc>("ledger");
    await accounts.insertMany([{ _id: 1, balance: 100 }, { _id: 2, balance: 0 }]);
    await ledger.insertOne({ _id: "stale" });

    await withSession(mongo.client, (session) => session.withTransaction(async () => {
      await accounts.updateOne({ _id: 1 }, { $inc: { balance: -30 } }, { session });
      await accounts.updateOne({ _id: 2 }, { $inc: { balance: 30 } }, { session });
      await ledger.insertOne({ _id: "t1", amount: 30 }, { session });
      await ledger.deleteOne({ _id: "stale" }, { session });
    }));

    expect(await accounts.find().sort({ _id: 1 }).toArray()).toEqual([{ _id: 1, balance: 70 }, { _id: 2, balance: 30 }]);
    expect(await ledger.find().toArray()).toEqual([{ _id: "t1", amount: 30 }]);
  });

  it("shows a transaction's writes to other clients only once it commits", async () => {
    const items = db.collection<Doc>("visibility");
    await items.insertOne({ _id: 1, state: "before" });

    const seen = await withSession(mongo.client, async (session) => {
      session.startTransaction();
      await items.updateOne({ _id: 1 }, { $set: { state: "after" } }, { session });
      await items.insertOne({ _id: 2 }, { session });
      const during = await items.find().sort({ _id: 1 }).toArray();
      const inside = await items.find({}, { session }).sort({ _id: 1 }).toArray();
      await session.commitTransaction();
      return { during, inside };
    });

    expect(seen.during).toEqual([{ _id: 1, state: "before" }]);
    expect(seen.inside).toEqual([{ _id: 1, state: "after" }, { _id: 2 }]);
    expect(await items.find().sort({ _id: 1 }).toArray()).toEqual(seen.inside);
  });

  it("discards every write of an aborted transaction, including a collection it created", async () => {
    const items = db.collection<Doc>("aborted");
    await items.insertOne({ _id: 1, n: 1 });

    await withSession(mongo.client, async (session) => {
      session.startTransaction();
      await items.updateOne({ _id: 1 }, { $inc: { n: 1 } }, { session });
      await items.deleteOne({ _id: 1 }, { session });
      await db.collection<Doc>("created_then_aborted").insertOne({ _id: 1 }, { session });
      await session.abortTransaction();
    });

    expect(await items.find().toArray()).toEqual([{ _id: 1, n: 1 }]);
    expect(await db.listCollections({ name: "created_then_aborted" }).toArray()).toEqual([]);
  });

  it("reads from the snapshot it started with: a write outside after its start stays unseen", async () => {
    const items = db.collection<Doc>("snapshot");
    await items.insertMany([{ _id: 1, v: "old" }, { _id: 2, v: "old" }]);

    const reads = await withSession(mongo.client, async (session) => {
      session.startTransaction();
      const first = await items.findOne({ _id: 1 }, { session });
      await items.updateOne({ _id: 1 }, { $set: { v: "new" } });
      await items.deleteOne({ _id: 2 });
      await items.insertOne({ _id: 3, v: "new" });
      const again = await items.find({ v: "old" }, { session }).sort({ _id: 1 }).toArray();
      const count = await items.countDocuments({}, { session });
      await session.commitTransaction();
      return { first, again, count };
    });

    expect(reads).toEqual({ first: { _id: 1, v: "old" }, again: [{ _id: 1, v: "old" }, { _id: 2, v: "old" }], count: 2 });
  });
});

describe("write conflicts", () => {
  it("fails the second transaction writing a document with WriteConflict, labelled TransientTransactionError", async () => {
    const items = db.collection<Doc>("conflict");
    await items.insertOne({ _id: 1, n: 0 });
    const first = mongo.client.startSession();
    const second = mongo.client.startSession();
    first.startTransaction();
    second.startTransaction();

    await items.updateOne({ _id: 1 }, { $inc: { n: 1 } }, { session: first });
    const conflict = await failure(items.updateOne({ _id: 1 }, { $inc: { n: 10 } }, { session: second }));
    await first.commitTransaction();
    const commitAfter = await failure(second.commitTransaction());
    await Promise.all([first.endSession(), second.endSession()]);

    expect(conflict.code).toBe(112);
    expect(conflict.codeName).toBe("WriteConflict");
    expect(conflict.hasErrorLabel("TransientTransactionError")).toBe(true);
    expect(commitAfter.code).toBe(251);
    expect(commitAfter.hasErrorLabel("TransientTransactionError")).toBe(true);
    expect(await items.findOne({ _id: 1 })).toEqual({ _id: 1, n: 1 });
  });

  it("counts every increment when concurrent withTransaction callbacks conflict and are retried", async () => {
    const counters = db.collection<Doc>("counter");
    await counters.insertOne({ _id: "c", n: 0 });
    const increments = 8;
    let attempts = 0;

    await Promise.all(Array.from({ length: increments }, () => withSession(mongo.client, (session) => session.withTransaction(async () => {
      attempts++;
      const current = await counters.findOne({ _id: "c" }, { session });
      await new Promise((resolve) => setTimeout(resolve, 5));
      await counters.updateOne({ _id: "c" }, { $set: { n: (current!.n as number) + 1 } }, { session });
    }))));

    expect(await counters.findOne({ _id: "c" })).toEqual({ _id: "c", n: increments });
    expect(attempts).toBeGreaterThan(increments);
  });

  it("makes the commit a write conflict when a write outside the transaction changed its document", async () => {
    const items = db.collection<Doc>("outside");
    await items.insertOne({ _id: 1, n: 0 });

    const error = await withSession(mongo.client, async (session) => {
      session.startTransaction();
      await items.updateOne({ _id: 1 }, { $set: { n: 1 } }, { session });
      await items.updateOne({ _id: 1 }, { $set: { n: 2 } });
      return failure(session.commitTransaction());
    });

    expect(error.code).toBe(112);
    expect(error.hasErrorLabel("TransientTransactionError")).toBe(true);
    expect(await items.findOne({ _id: 1 })).toEqual({ _id: 1, n: 2 });
  });
});

describe("errors", () => {
  it("aborts a transaction whose insert breaks a unique index with 11000, leaving nothing", async () => {
    const users = db.collection<Doc>("users");
    await users.createIndex({ email: 1 }, { unique: true });
    await users.insertOne({ _id: 1, email: "a@example.com" });

    const error = await withSession(mongo.client, (session) => failure(session.withTransaction(async () => {
      await users.insertOne({ _id: 2, email: "b@example.com" }, { session });
      await users.insertOne({ _id: 3, email: "a@example.com" }, { session });
    })));

    expect(error.code).toBe(11000);
    expect(await users.find().toArray()).toEqual([{ _id: 1, email: "a@example.com" }]);
  });

  it("refuses count in a transaction with OperationNotSupportedInTransaction, and the transaction goes on", async () => {
    const items = db.collection<Doc>("count");

    const { error } = await withSession(mongo.client, async (session) => {
      session.startTransaction();
      await items.insertOne({ _id: 1 }, { session });
      const refused = await failure(db.command({ count: "count" }, { session }));
      await session.commitTransaction();
      return { error: refused };
    });

    expect(error.code).toBe(263);
    expect(error.message).toMatch(/Cannot run 'count' in a multi-document transaction/);
    expect(await items.countDocuments()).toBe(1);
  });

  it("answers NoSuchTransaction for an unknown or aborted transaction, and commits a committed one again", async () => {
    // A client of its own: its sessions' numbers, chosen here, must not meet the driver's.
    const client = new MongoClient(mongo.uri);
    const raw = client.db(mongo.freshDatabase("txn_raw").databaseName);
    const start = (session: ClientSession, txnNumber: number, _id: number) =>
      raw.command({ insert: "raw", documents: [{ _id }], txnNumber: Long.fromNumber(txnNumber), startTransaction: true, autocommit: false }, { session });
    // The driver numbers commit and abort itself, from the session's current number.
    const end = (session: ClientSession, txnNumber: number, command: "commitTransaction" | "abortTransaction") => {
      session.serverSession.txnNumber = txnNumber;
      return client.db("admin").command({ [command]: 1 }, { session });
    };

    const replies = await withSession(client, async (session) => {
      const unknown = await failure(end(session, 7, "commitTransaction"));
      await start(session, 8, 1);
      await end(session, 8, "abortTransaction");
      const aborted = await failure(end(session, 8, "commitTransaction"));
      await start(session, 9, 2);
      const commits = [await end(session, 9, "commitTransaction"), await end(session, 9, "commitTransaction")];
      const abortCommitted = await failure(end(session, 9, "abortTransaction"));
      return { unknown, aborted, commits, abortCommitted };
    });
    const stored = await raw.collection<Doc>("raw").find().toArray();
    await client.close();

    for (const error of [replies.unknown, replies.aborted]) {
      expect(error.code).toBe(251);
      expect(error.hasErrorLabel("TransientTransactionError")).toBe(true);
    }
    expect(replies.commits.map((reply) => reply.ok)).toEqual([1, 1]);
    expect(replies.abortCommitted.code).toBe(256);
    expect(stored).toEqual([{ _id: 2 }]);
  });
});

describe("what a transaction holds", () => {
  it("creates a collection with a unique index inside a transaction, visible to others at commit only", async () => {
    const name = "created_in_txn";

    const outsideDuring = await withSession(mongo.client, (session) => session.withTransaction(async () => {
      await db.createCollection(name, { session });
      await db.collection<Doc>(name).createIndex({ code: 1 }, { unique: true, session });
      await db.collection<Doc>(name).insertMany([{ _id: 1, code: "a" }, { _id: 2, code: "b" }], { session });
      return db.listCollections({ name }).toArray();
    }));

    expect(outsideDuring).toEqual([]);
    expect(await db.collection<Doc>(name).find().toArray()).toEqual([{ _id: 1, code: "a" }, { _id: 2, code: "b" }]);
    expect(await db.collection<Doc>(name).indexes()).toContainEqual(expect.objectContaining({ name: "code_1", unique: true }));
  });

  it("closes the cursors a transaction opened when it commits", async () => {
    const items = db.collection<Doc>("cursors");
    await items.insertMany(Array.from({ length: 5 }, (_, i) => ({ _id: i })));

    const error = await withSession(mongo.client, async (session) => {
      session.startTransaction();
      const cursor = items.find({}, { session, batchSize: 2 });
      await cursor.next();
      await session.commitTransaction();
      return failure(cursor.toArray());
    });

    expect(error.code).toBe(43);
  });

  it("discards an open transaction when its session ends or a newer transaction number starts", async () => {
    const client = new MongoClient(mongo.uri);
    const raw = client.db(db.databaseName);
    const start = (session: ClientSession, txnNumber: number, _id: string) =>
      raw.command({ insert: "discarded", documents: [{ _id }], txnNumber: Long.fromNumber(txnNumber), startTransaction: true, autocommit: false }, { session });
    const commit = (session: ClientSession, txnNumber: number) => {
      session.serverSession.txnNumber = txnNumber;
      return client.db("admin").command({ commitTransaction: 1 }, { session });
    };

    const errors = await withSession(client, async (session) => {
      await start(session, 1, "superseded");
      await start(session, 2, "ended");
      const superseded = await failure(commit(session, 1));
      await client.db("admin").command({ endSessions: [session.id] });
      const ended = await failure(commit(session, 2));
      return [superseded.code, ended.code];
    });
    await client.close();

    expect(errors).toEqual([225, 251]);
    expect(await db.collection<Doc>("discarded").countDocuments()).toBe(0);
  });
});

describe("connection modes and durability", () => {
  it("runs transactions with default URI options, discovering the replica set from hosts", async () => {
    const client = new MongoClient(mongo.uri.replace(/directConnection=true&?/, ""), { serverSelectionTimeoutMS: 5_000 });
    const types: string[] = [];
    client.on("topologyDescriptionChanged", (event) => types.push(event.newDescription.type));
    await client.connect();
    const items = client.db(db.databaseName).collection<Doc>("discovered");

    await withSession(client, (session) => session.withTransaction(() => items.insertOne({ _id: 1 }, { session })));
    await client.close();

    expect(types).toContain("ReplicaSetWithPrimary");
    expect(await db.collection<Doc>("discovered").find().toArray()).toEqual([{ _id: 1 }]);
  });

  it("keeps a committed transaction across a crash or a restart of a dbpath, and nothing of an uncommitted one", async () => {
    const dbpath = await tempDbpath();
    const before = await connectStandIn({ dbpath });
    const items = before.client.db("durable").collection<Doc>("items");
    await withSession(before.client, (session) => session.withTransaction(async () => {
      await items.insertMany([{ _id: 1 }, { _id: 2 }], { session });
      await before.client.db("durable").collection<Doc>("audit").insertOne({ _id: "a" }, { session });
    }));
    const open = before.client.startSession();
    open.startTransaction();
    await items.insertOne({ _id: 3 }, { session: open });
    await items.deleteOne({ _id: 1 }, { session: open });
    const crashed = await crashImage(dbpath);
    await before.stop();

    const found: unknown[] = [];
    for (const path of [crashed, dbpath]) {
      const after = await connectStandIn({ dbpath: path });
      const durable = after.client.db("durable");
      found.push([await durable.collection<Doc>("items").find().sort({ _id: 1 }).toArray(), await durable.collection<Doc>("audit").find().toArray()]);
      await after.stop();
    }

    const expected = [[{ _id: 1 }, { _id: 2 }], [{ _id: "a" }]];
    expect(found).toEqual([expected, expected]);
  });

  it("aborts a transaction left open longer than transactionLifetimeLimitSeconds", async () => {
    const standIn = await startMongoStandIn({ port: 0, transactionLifetimeLimitSeconds: 1 });
    const client = new MongoClient(standIn.uri);
    const items = client.db("expiry").collection<Doc>("items");

    const error = await withSession(client, async (session) => {
      session.startTransaction();
      await items.insertOne({ _id: 1 }, { session });
      await new Promise((resolve) => setTimeout(resolve, 1_300));
      return failure(session.commitTransaction());
    });
    const left = await items.countDocuments();
    await client.close();
    await standIn.stop();

    expect(error.code).toBe(251);
    expect(left).toBe(0);
  });
});
