/**
 * The dbpath's files under damage and contention: a torn last write is dropped (it was never
 * acknowledged), damage before good data is refused loudly, a journal already folded into the
 * snapshot is ignored, and two stand-ins never share a dbpath.
 */
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { appendFile, copyFile, readdir, readFile, rm, stat, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { startMongoStandIn } from "#local/mongo/index.ts";
import { typeScriptNode } from "#test/fixtures/mongo/child.ts";
import { connectStandIn, crashImage, removeTempDbpaths, tempDbpath } from "#test/fixtures/mongo/dbpath.ts";

afterAll(removeTempDbpaths);

/** Documents of every shape, with _ids of several types. */
type Doc = { _id?: string | number | import("mongodb").ObjectId | import("mongodb").Double; [key: string]: any };

const CLI = fileURLToPath(new URL("../../local/mongo/cli.ts", import.meta.url));
const journalOf = (dbpath: string) => join(dbpath, "journal.bson");

/** Ids present in `t.c` after starting on `dbpath`. */
async function idsAfterRestart(dbpath: string): Promise<unknown[]> {
  const server = await connectStandIn({ dbpath });
  const docs = await server.client.db("t").collection<Doc>("c").find().sort({ _id: 1 }).toArray();
  await server.stop();
  return docs.map((doc) => doc._id);
}

/** A running stand-in with ten documents, each inserted by its own command (so its own frame). */
async function tenDocuments() {
  const dbpath = await tempDbpath();
  const server = await connectStandIn({ dbpath });
  const coll = server.client.db("t").collection<Doc>("c");
  for (let i = 0; i < 10; i++) await coll.insertOne({ _id: i, text: `document ${i}` });
  return { dbpath, server, coll };
}

const TEN = Array.from({ length: 10 }, (_, i) => i);

describe("a torn journal tail", () => {
  it("is dropped: the write it held was never acknowledged, and appending resumes after it", async () => {
    const { server, coll, dbpath } = await tenDocuments();
    const beforeLast = await crashImage(dbpath);
    await coll.insertOne({ _id: 10, text: "the last write" });
    const full = await crashImage(dbpath);
    await server.stop();
    const completeSize = (await stat(journalOf(beforeLast))).size;
    const lastFrame = (await readFile(journalOf(full))).subarray(completeSize);
    expect(await idsAfterRestart(await crashImage(full))).toEqual([...TEN, 10]);

    // The last write cut short: half of its frame reached the file.
    const cut = await crashImage(full);
    await truncate(journalOf(cut), completeSize + Math.floor(lastFrame.length / 2));
    const torn = await connectStandIn({ dbpath: cut });
    expect((await torn.client.db("t").collection<Doc>("c").find().toArray()).map((d) => d._id)).toEqual(TEN);
    expect((await stat(journalOf(cut))).size).toBe(completeSize);
    await torn.client.db("t").collection<Doc>("c").insertOne({ _id: 11 });
    const afterRepair = await crashImage(cut);
    await torn.stop();
    expect(await idsAfterRestart(afterRepair)).toEqual([...TEN, 11]);

    // The whole frame's length reached the file but not all of its bytes (zeros instead).
    const zeroed = await crashImage(beforeLast);
    const partial = Buffer.from(lastFrame);
    partial.fill(0, Math.floor(partial.length / 2));
    await appendFile(journalOf(zeroed), partial);
    expect(await idsAfterRestart(zeroed)).toEqual(TEN);

    // Garbage after the last complete frame.
    const withGarbage = await crashImage(beforeLast);
    await appendFile(journalOf(withGarbage), Buffer.from("\x20\x00\x00\x00not a frame, not even close"));
    expect(await idsAfterRestart(withGarbage)).toEqual(TEN);
  });
});

describe("damaged data", () => {
  it("in the middle of the journal refuses to start, naming the file and offset, and changes nothing", async () => {
    const { server, dbpath } = await tenDocuments();
    const crashed = await crashImage(dbpath);
    await server.stop();
    const data = await readFile(journalOf(crashed));
    data[Math.floor(data.length / 2)] ^= 0xff;
    await writeFile(journalOf(crashed), data);
    const attempt = () => startMongoStandIn({ port: 0, dbpath: crashed });
    await expect(attempt()).rejects.toThrow(/journal\.bson: corrupt frame at offset \d+ \(checksum mismatch\) followed by valid data at offset \d+/);
    // Nothing was truncated away and the lock was released: the next attempt fails the same way.
    expect(await readFile(journalOf(crashed))).toEqual(data);
    expect(await readdir(crashed)).not.toContain("mongod.lock");
    await expect(attempt()).rejects.toThrow(/corrupt frame/);
  });

  it("an incomplete snapshot is refused rather than half loaded", async () => {
    const { server, dbpath } = await tenDocuments();
    await server.stop();
    const snapshot = join(dbpath, "snapshot.bson");
    await truncate(snapshot, (await stat(snapshot)).size - 3);
    await expect(startMongoStandIn({ port: 0, dbpath })).rejects.toThrow(/snapshot\.bson: incomplete or corrupt frame at offset \d+/);
  });
});

describe("compaction generations", () => {
  it("ignore a journal already folded into the snapshot (a compaction that stopped before replacing it)", async () => {
    const { server, dbpath } = await tenDocuments();
    const beforeCompaction = await crashImage(dbpath);
    await server.stop();
    // Snapshot of the new generation, journal of the old one: replaying it would apply everything twice.
    await copyFile(journalOf(beforeCompaction), journalOf(dbpath));
    expect(await idsAfterRestart(dbpath)).toEqual(TEN);
  });

  it("ignore the temporary files of a compaction that stopped before renaming them in", async () => {
    const { server, dbpath } = await tenDocuments();
    const crashed = await crashImage(dbpath);
    await server.stop();
    await writeFile(join(crashed, "snapshot.bson.tmp"), "half a snapshot");
    await writeFile(join(crashed, "journal.bson.tmp"), "");
    expect(await idsAfterRestart(crashed)).toEqual(TEN);
    expect((await readdir(crashed)).sort()).toEqual(["journal.bson", "snapshot.bson"]);
  });

  it("refuse a journal newer than the snapshot (the snapshot was lost)", async () => {
    const { server, dbpath } = await tenDocuments();
    await server.stop();
    await writeFile(join(dbpath, "snapshot.bson"), "");
    await expect(startMongoStandIn({ port: 0, dbpath })).rejects.toThrow(/snapshot\.bson: the snapshot is incomplete \(no header\)/);
    await rm(join(dbpath, "snapshot.bson"));
    await expect(startMongoStandIn({ port: 0, dbpath })).rejects.toThrow(/journal\.bson is of generation 1 but the snapshot of generation 0: the snapshot is missing/);
  });
});

describe("the dbpath lock", () => {
  it("keeps a second stand-in off a dbpath in use, in this process or another, and frees it on stop", async () => {
    const dbpath = await tempDbpath();
    const first = await connectStandIn({ dbpath });
    await expect(startMongoStandIn({ port: 0, dbpath })).rejects.toThrow(/dbpath .* is in use by another MongoDB stand-in \(process \d+ holds .*mongod\.lock\)/);

    const cli = spawn(typeScriptNode(), [CLI, "--port", "0", "--dbpath", dbpath], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    cli.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = await once(cli, "exit");
    expect(code).toBe(1);
    expect(stderr).toMatch(/could not start: dbpath .* is in use by another MongoDB stand-in/);

    await first.stop();
    const second = await connectStandIn({ dbpath });
    await second.stop();
  });

  it("takes over a lock left by a process that is gone", async () => {
    const dbpath = await tempDbpath();
    const gone = spawnSync(process.execPath, ["-e", ""]).pid;
    await writeFile(join(dbpath, "mongod.lock"), `${gone}\n`);
    const server = await connectStandIn({ dbpath });
    await server.client.db("t").collection<Doc>("c").insertOne({ _id: 1 });
    await server.stop();
    expect(await idsAfterRestart(dbpath)).toEqual([1]);
  });
});

describe("npm run mongo -- --dbpath", () => {
  it("creates the directory, prints the URI first and compacts on SIGTERM", async () => {
    const dbpath = join(await tempDbpath(), "nested", "data");
    const cli = spawn(typeScriptNode(), [CLI, "--port", "0", "--dbpath", dbpath], { stdio: ["ignore", "pipe", "pipe"] });
    const [firstChunk] = await once(cli.stdout, "data");
    expect(String(firstChunk).split("\n")[0]).toMatch(/^mongodb:\/\/127\.0\.0\.1:\d+\/\?directConnection=true$/);
    cli.kill("SIGTERM");
    const [code] = await once(cli, "exit");
    expect(code).toBe(0);
    expect((await readdir(dbpath)).sort()).toEqual(["journal.bson", "snapshot.bson"]);
  });
});
