/**
 * `npm run bench`: the stand-in under 100,000 documents. Prints insertMany throughput, find
 * latency on an indexed and an unindexed field (median and p99), and peak memory. Client and
 * server share this process, so the figures include the driver's own work.
 * `npm run bench -- --persistent` runs the same on a temporary dbpath, and also times the
 * compaction on stop and the replay on the next start.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { MongoClient } from "mongodb";
import { startMongoStandIn } from "#local/mongo/index.ts";

const { values: flags } = parseArgs({ options: { persistent: { type: "boolean", default: false } } });
const dbpath = flags.persistent ? await mkdtemp(join(tmpdir(), "mongo-bench-")) : undefined;

const DOCUMENTS = 100_000;
const INDEXED_QUERIES = 2_000;
const UNINDEXED_QUERIES = 50;

let peakRss = 0;
let peakHeap = 0;
const sampleMemory = () => {
  const { rss, heapUsed } = process.memoryUsage();
  peakRss = Math.max(peakRss, rss);
  peakHeap = Math.max(peakHeap, heapUsed);
};
const sampler = setInterval(sampleMemory, 20);

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const ms = (n: number) => `${n.toFixed(3)} ms`;

async function timeQueries(run: (i: number) => Promise<unknown>, count: number): Promise<{ median: number; p99: number }> {
  const latencies: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    await run(i);
    latencies.push(performance.now() - start);
  }
  latencies.sort((a, b) => a - b);
  return { median: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

const standIn = await startMongoStandIn({ port: 0, dbpath });
const client = new MongoClient(standIn.uri);
await client.connect();
const users = client.db("bench").collection("users");
await users.createIndex({ email: 1 }, { unique: true });

const docs = Array.from({ length: DOCUMENTS }, (_, i) => ({
  email: `user${i}@example.com`,
  name: `User ${i}`,
  city: `city-${i % 500}`,
  score: i % 1000,
  tags: ["a", "b", String(i % 7)],
  createdAt: new Date(1_700_000_000_000 + i * 1000),
}));
const insertStart = performance.now();
await users.insertMany(docs, { ordered: false });
const insertSeconds = (performance.now() - insertStart) / 1000;
sampleMemory();

const indexed = await timeQueries((i) => users.findOne({ email: `user${(i * 7919) % DOCUMENTS}@example.com` }), INDEXED_QUERIES);
const unindexed = await timeQueries((i) => users.findOne({ name: `User ${(i * 7919) % DOCUMENTS}` }), UNINDEXED_QUERIES);
sampleMemory();
clearInterval(sampler);

console.log(`storage                   ${dbpath ? "journal (--persistent, temporary dbpath)" : "in memory"}`);
console.log(`documents                 ${DOCUMENTS}`);
console.log(`insertMany throughput     ${Math.round(DOCUMENTS / insertSeconds)} docs/s (${insertSeconds.toFixed(2)} s)`);
console.log(`indexed find (email)      median ${ms(indexed.median)}, p99 ${ms(indexed.p99)} over ${INDEXED_QUERIES} queries`);
console.log(`unindexed find (name)     median ${ms(unindexed.median)}, p99 ${ms(unindexed.p99)} over ${UNINDEXED_QUERIES} queries`);
console.log(`peak memory               rss ${(peakRss / 1048576).toFixed(0)} MiB, heap ${(peakHeap / 1048576).toFixed(0)} MiB`);

await client.close();
const stopStart = performance.now();
await standIn.stop();
if (dbpath) {
  console.log(`stop (compaction)         ${((performance.now() - stopStart) / 1000).toFixed(2)} s`);
  const replayStart = performance.now();
  const restarted = await startMongoStandIn({ port: 0, dbpath });
  console.log(`restart (replay)          ${((performance.now() - replayStart) / 1000).toFixed(2)} s`);
  await restarted.stop();
  await rm(dbpath, { recursive: true, force: true });
}
