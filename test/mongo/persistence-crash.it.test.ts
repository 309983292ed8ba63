/**
 * The crash test: writers hammer a stand-in in a child process (inserts, `$inc`s, deletes) while
 * it journals and compacts, the child is SIGKILLed mid-load, and a restart on the same dbpath
 * must hold every write that was acknowledged. Writes in flight at the kill may or may not have
 * happened; only acknowledged ones are checked, both ways (an acknowledged delete stays deleted).
 */
import { afterAll, describe, expect, it } from "vitest";
import { MongoClient, type Collection } from "mongodb";
import { spawnStandIn, type ChildStandIn } from "#test/fixtures/mongo/child.ts";
import { removeTempDbpaths, tempDbpath } from "#test/fixtures/mongo/dbpath.ts";

afterAll(removeTempDbpaths);

const WRITERS = 8;
/** Small enough that compactions run, and can be interrupted, during the load. */
const COMPACT_BYTES = 16 * 1024;

interface Ledger {
  inserted: Set<string>;
  deleteSent: Set<string>;
  deleted: Set<string>;
  incSent: number[];
  incAcked: number[];
  acknowledged: number;
}

type Doc = { _id: string; n?: number; writer?: number };

async function writer(coll: Collection<Doc>, w: number, round: number, ledger: Ledger, stop: { now: boolean }): Promise<void> {
  for (let i = 0; !stop.now; i++) {
    const id = `r${round}-w${w}-${i}`;
    try {
      await coll.insertOne({ _id: id, writer: w, payload: "x".repeat(200) } as Doc);
      ledger.inserted.add(id);
      ledger.incSent[w]++;
      await coll.updateOne({ _id: `counter-${w}` }, { $inc: { n: 1 } }, { upsert: true });
      ledger.incAcked[w]++;
      if (i % 3 === 2) {
        const victim = `r${round}-w${w}-${i - 1}`;
        ledger.deleteSent.add(victim);
        await coll.deleteOne({ _id: victim });
        ledger.deleted.add(victim);
      }
      ledger.acknowledged += 3;
    } catch {
      return; // the server is gone: whatever was in flight is unknown
    }
  }
}

async function verify(uri: string, ledger: Ledger): Promise<number> {
  const client = new MongoClient(uri);
  const coll = client.db("crash").collection<Doc>("load");
  const docs = await coll.find().toArray();
  await client.close();
  const ids = new Set(docs.map((doc) => doc._id));
  const missing = [...ledger.inserted].filter((id) => !ledger.deleteSent.has(id) && !ids.has(id));
  const resurrected = [...ledger.deleted].filter((id) => ids.has(id));
  expect(missing, "acknowledged inserts lost").toEqual([]);
  expect(resurrected, "acknowledged deletes undone").toEqual([]);
  for (let w = 0; w < WRITERS; w++) {
    const n = docs.find((doc) => doc._id === `counter-${w}`)?.n ?? 0;
    expect(n, `counter of writer ${w}`).toBeGreaterThanOrEqual(ledger.incAcked[w]);
    expect(n, `counter of writer ${w}`).toBeLessThanOrEqual(ledger.incSent[w]);
  }
  return docs.length;
}

async function loadThenKill(child: ChildStandIn, round: number, ledger: Ledger): Promise<void> {
  const client = new MongoClient(child.uri, { retryWrites: false, serverSelectionTimeoutMS: 1_000, maxPoolSize: WRITERS });
  const coll = client.db("crash").collection<Doc>("load");
  const stop = { now: false };
  const target = ledger.acknowledged + 600;
  const writers = Array.from({ length: WRITERS }, (_, w) => writer(coll, w, round, ledger, stop));
  while (ledger.acknowledged < target) await new Promise((resolve) => setTimeout(resolve, 5));
  child.child.kill("SIGKILL");
  expect(await child.exited).toBe("SIGKILL");
  stop.now = true;
  await Promise.all(writers);
  await client.close(true);
}

describe("SIGKILL under a concurrent write load", () => {
  it("loses no acknowledged write and leaves data the restart can read", async () => {
    const dbpath = await tempDbpath();
    const args = ["--dbpath", dbpath, "--compact-bytes", String(COMPACT_BYTES)];
    const ledger: Ledger = { inserted: new Set(), deleteSent: new Set(), deleted: new Set(), incSent: Array(WRITERS).fill(0), incAcked: Array(WRITERS).fill(0), acknowledged: 0 };
    let child = await spawnStandIn(args);
    for (let round = 0; round < 3; round++) {
      await loadThenKill(child, round, ledger);
      child = await spawnStandIn(args);
      await verify(child.uri, ledger);
    }
    // A clean stop after the crashes, then one more start: the compacted snapshot holds the same.
    const count = await verify(child.uri, ledger);
    child.child.kill("SIGTERM");
    expect(await child.exited, child.stderr()).toBe(0);
    child = await spawnStandIn(args);
    expect(await verify(child.uri, ledger)).toBe(count);
    child.child.kill("SIGTERM");
    expect(await child.exited).toBe(0);
    expect(ledger.deleted.size).toBeGreaterThan(0);
  }, 60_000);
});
