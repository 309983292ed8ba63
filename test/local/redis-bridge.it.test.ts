/**
 * The Upstash-REST bridge, driven by the official `@upstash/redis` client (and by fetch for the
 * raw protocol cases) against a private redis-server; then a representative subset against the
 * in-process memory store; then the redis-server launcher itself.
 */
import { createHash } from "node:crypto";
import { Redis } from "@upstash/redis";
import { Redis as IORedis } from "ioredis";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startRedisBridge, type RedisBridge } from "#local/redis/bridge.ts";
import { findRedisServer, RedisServerMissingError, startRedisServer } from "#local/redis/server.ts";
import { startTestRedis, type TestRedis } from "#test/helpers/redis.ts";

const client = (url: string, token: string, responseEncoding: "base64" | false = "base64") =>
  new Redis({ url, token, responseEncoding, enableTelemetry: false, retry: false });

describe("bridge to a real redis-server", () => {
  let test: TestRedis;
  let redis: Redis;
  let plain: Redis;
  /** Sends one raw request to the bridge and returns the status and parsed body. */
  const raw = async (path: string, body?: string | Buffer, headers: Record<string, string> = {}) => {
    const res = await fetch(`${test.bridgeUrl}${path}`, {
      method: body === undefined ? "GET" : "POST",
      headers: { authorization: `Bearer ${test.token}`, ...headers },
      body,
    });
    return { status: res.status, body: (await res.json()) as { result?: unknown; error?: string } };
  };

  beforeAll(async () => {
    test = await startTestRedis();
    redis = client(test.bridgeUrl, test.token);
    plain = client(test.bridgeUrl, test.token, false);
  });
  afterAll(async () => test?.stop());
  beforeEach(async () => {
    await redis.flushdb();
  });

  it("sets, reads, increments and deletes string keys", async () => {
    await redis.set("name", "ada");
    await redis.incr("visits");
    const incremented = await redis.incrby("visits", 41);
    const deleted = await redis.del("name", "missing");

    expect(incremented).toBe(42);
    expect(deleted).toBe(1);
    expect(await redis.get("name")).toBeNull();
    expect(await redis.exists("visits")).toBe(1);
  });

  it("expires keys: TTL reports the remaining seconds and a short PX expiry removes the key", async () => {
    await redis.set("session", "s", { ex: 100 });
    await redis.set("flash", "f", { px: 50 });
    await redis.set("kept", "k");
    await redis.expire("kept", 30);
    await new Promise((resolve) => setTimeout(resolve, 120));

    expect(await redis.ttl("session")).toBeGreaterThan(90);
    expect(await redis.ttl("kept")).toBeLessThanOrEqual(30);
    expect(await redis.get("flash")).toBeNull();
  });

  it("stores hashes, lists and sorted sets", async () => {
    await redis.hset("user", { name: "ada", age: 36 });
    await redis.hincrby("user", "age", 1);
    await redis.rpush("queue", "a", "b");
    await redis.lpush("queue", "z");
    await redis.zadd("board", { score: 10, member: "x" }, { score: 2.5, member: "y" });
    await redis.zincrby("board", 1, "y");

    expect(await redis.hgetall("user")).toEqual({ name: "ada", age: 37 });
    expect(await redis.lrange("queue", 0, -1)).toEqual(["z", "a", "b"]);
    expect(await redis.lpop("queue")).toBe("z");
    expect(await redis.zrange("board", 0, -1, { withScores: true })).toEqual(["y", 3.5, "x", 10]);
    expect(await redis.zscore("board", "x")).toBe(10);
  });

  it("round-trips objects the client serializes as JSON", async () => {
    const profile = { id: 7, tags: ["a", "b"], nested: { ok: true, none: null } };

    await redis.set("profile", profile);
    await redis.hset("h", { field: profile });

    expect(await redis.get("profile")).toEqual(profile);
    expect(await redis.hget("h", "field")).toEqual(profile);
  });

  it.each([["base64", "base64"], ["plain JSON", false]] as const)(
    "returns unicode and awkward strings intact with %s responses",
    async (_label, encoding) => {
      const strings = ["héllo wörld ✓ 🚀", "tab\tnew\nline", "nul\u0000byte", "OK", "T0s=", "QUEUED", ""];
      const chosen = encoding ? redis : plain;

      await chosen.mset(Object.fromEntries(strings.map((s, i) => [`s${i}`, s])));

      for (const [i, s] of strings.entries()) expect(await chosen.get(`s${i}`)).toBe(s);
      expect(await chosen.mget(...strings.map((_, i) => `s${i}`))).toEqual(strings);
    },
  );

  it("base64-encodes every string but a top-level OK when Upstash-Encoding asks for it", async () => {
    await raw("/", JSON.stringify(["SET", "k", "vé"]));

    const set = await raw("/", JSON.stringify(["SET", "j", "x"]), { "upstash-encoding": "base64" });
    const encoded = await raw("/", JSON.stringify(["MGET", "k", "nope"]), { "upstash-encoding": "base64" });
    const nested = await raw("/", JSON.stringify(["EVAL", "return {1, 'OK', {'a'}}", "0"]), { "upstash-encoding": "base64" });
    const plainReply = await raw("/", JSON.stringify(["GET", "k"]));

    expect(set.body).toEqual({ result: "OK" });
    expect(encoded.body).toEqual({ result: [Buffer.from("vé").toString("base64"), null] });
    expect(nested.body).toEqual({ result: [1, "T0s=", ["YQ=="]] });
    expect(plainReply.body).toEqual({ result: "vé" });
  });

  it("keeps raw bytes POSTed to the path form binary-safe", async () => {
    const bytes = Buffer.from([0xff, 0x00, 0x80, 0x41]);

    const stored = await raw("/set/blob?EX=60", bytes);
    const read = await raw("/get/blob", undefined, { "upstash-encoding": "base64" });
    const direct = new IORedis(test.redisUrl);
    const onServer = await direct.getBuffer("blob").finally(() => direct.disconnect());

    expect(stored).toEqual({ status: 200, body: { result: "OK" } });
    expect(read.body).toEqual({ result: bytes.toString("base64") });
    expect(onServer).toEqual(bytes);
    expect(await redis.ttl("blob")).toBeGreaterThan(50);
  });

  it("runs a pipeline and answers each command in order", async () => {
    const results = await redis.pipeline().set("p", 1).incr("p").hset("ph", { f: "v" }).get("p").hget("ph", "f").exec();

    expect(results).toEqual(["OK", 2, 1, 2, "v"]);
  });

  it("reports a failing pipeline command while the others still answer", async () => {
    await redis.set("text", "abc");

    const kept = await redis.pipeline().set("a", "1").incr("text").get("a").exec({ keepErrors: true });
    const thrown = await redis.pipeline().incr("text").exec().catch((error: Error) => error);

    expect(kept.map((entry) => entry.result)).toEqual(["OK", undefined, 1]);
    expect(kept[1].error).toBe("ERR value is not an integer or out of range");
    expect(String(thrown)).toMatch(/ERR value is not an integer/);
  });

  it("runs multi() as one transaction, never interleaved with concurrent ones", async () => {
    const runs = await Promise.all(
      Array.from({ length: 20 }, () => redis.multi().incr("counter").get<number>("counter").exec()),
    );

    for (const [incremented, read] of runs) expect(read).toBe(incremented);
    expect(new Set(runs.map(([incremented]) => incremented)).size).toBe(20);
  });

  it("discards a whole transaction when a command cannot be queued", async () => {
    const response = await raw("/multi-exec", JSON.stringify([["SET", "t", "1"], ["NOSUCHCOMMAND"]]));

    expect(response.status).toBe(400);
    expect(response.body.error).toMatch(/^EXECABORT .*unknown command/);
    expect(await redis.get("t")).toBeNull();
  });

  it("runs EVAL, SCRIPT LOAD and EVALSHA", async () => {
    const script = "redis.call('SET', KEYS[1], ARGV[1]); return {redis.call('GET', KEYS[1]), 7}";

    const evaluated = await redis.eval(script, ["e"], ["first"]);
    const sha = await redis.scriptLoad(script);
    const again = await redis.evalsha(sha, ["e"], ["second"]);
    const missing = await redis.evalsha("0".repeat(40), [], []).catch((error: Error) => error);

    expect(evaluated).toEqual(["first", 7]);
    expect(sha).toBe(createHash("sha1").update(script).digest("hex"));
    expect(again).toEqual(["second", 7]);
    expect(String(missing)).toMatch(/NOSCRIPT/);
  });

  it("turns a Redis error reply into a client error", async () => {
    await redis.set("text", "abc");

    const error = await redis.hget("text", "f").catch((e: Error) => e);

    expect(String(error)).toMatch(/WRONGTYPE/);
  });

  it("serves blocking commands on their own connection so other requests are not stalled", async () => {
    const started = Date.now();
    const popped = raw("/", JSON.stringify(["BLPOP", "jobs", "5"]));
    await new Promise((resolve) => setTimeout(resolve, 50));

    await redis.rpush("jobs", "job-1");

    expect((await popped).body).toEqual({ result: ["jobs", "job-1"] });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("refuses a wrong or missing token with 401 and accepts the right one as _token too", async () => {
    const wrong = await fetch(test.bridgeUrl, { method: "POST", headers: { authorization: "Bearer nope" }, body: '["PING"]' });
    const missing = await fetch(test.bridgeUrl, { method: "POST", body: '["PING"]' });
    const viaQuery = await fetch(`${test.bridgeUrl}/ping?_token=${test.token}`);
    const viaClient = await client(test.bridgeUrl, "nope").get("k").catch((e: Error) => e);

    expect([wrong.status, missing.status, viaQuery.status]).toEqual([401, 401, 200]);
    expect(await viaQuery.json()).toEqual({ result: "PONG" });
    expect(await wrong.json()).toEqual({ error: "Unauthorized" });
    expect(String(viaClient)).toMatch(/Unauthorized/);
  });

  it("answers malformed bodies with 400 and an error, and oversized ones with 413", async () => {
    const notJson = await raw("/", "{not json");
    const notArray = await raw("/", '{"cmd":"GET"}');
    const badPipeline = await raw("/pipeline", '["GET","k"]');
    const tooLarge = await raw("/", Buffer.alloc(10 * 1024 * 1024 + 1, 0x20));

    for (const response of [notJson, notArray, badPipeline]) {
      expect(response.status).toBe(400);
      expect(response.body.error).toMatch(/^ERR /);
    }
    expect(tooLarge.status).toBe(413);
  });
});

describe("bridge to the in-process memory store", () => {
  let bridge: RedisBridge;
  let redis: Redis;

  beforeAll(async () => {
    bridge = await startRedisBridge({ backend: { kind: "memory" }, token: "memory-token" });
    redis = client(bridge.url, bridge.token);
  });
  afterAll(async () => bridge?.stop());

  it("describes itself and serves set, get, incr and expiry", async () => {
    await redis.set("k", { a: 1 }, { ex: 100 });
    await redis.incr("n");

    expect(bridge.backend).toBe("in-process memory store (ioredis-mock)");
    expect(await redis.get("k")).toEqual({ a: 1 });
    expect(await redis.ttl("k")).toBeGreaterThan(90);
    expect(await redis.incr("n")).toBe(2);
  });

  it("runs pipelines, transactions and scripts", async () => {
    const piped = await redis.pipeline().set("p", "x").get("p").hset("h", { f: 1 }).hgetall("h").exec();
    const multi = await redis.multi().incr("m").incr("m").get("m").exec();
    const sha = await redis.scriptLoad("return ARGV[1]");

    expect(piped).toEqual(["OK", "x", 1, { f: 1 }]);
    expect(multi).toEqual([1, 2, 2]);
    expect(await redis.evalsha(sha, [], ["hi"])).toBe("hi");
  });

  it("answers a command it does not emulate with a 400 error", async () => {
    const error = await redis.pfadd("visitors", "ada").catch((e: Error) => e);

    expect(String(error)).toMatch(/unknown command/);
  });
});

describe("private redis-server", () => {
  it("finds redis-server on PATH and starts one on its own port, stopped on demand", async () => {
    const server = await startRedisServer();
    const connection = new IORedis(server.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    connection.on("error", () => undefined);

    const pong = await connection.ping().finally(() => connection.disconnect());
    await server.stop();
    const afterStop = await startRedisBridge({ backend: { kind: "redis", url: server.url }, token: "t" }).catch((e: Error) => e);

    expect(findRedisServer()).toMatch(/redis-server$/);
    expect(server.port).not.toBe(6379);
    expect(server.url).toBe(`redis://127.0.0.1:${server.port}`);
    expect(pong).toBe("PONG");
    expect(String(afterStop)).toMatch(/cannot reach redis/);
  });

  it("explains how to install redis-server when it is not on PATH", async () => {
    const path = process.env.PATH;
    process.env.PATH = "/nonexistent";
    try {
      const error = await startRedisServer().catch((e: Error) => e);

      expect(findRedisServer()).toBeUndefined();
      expect(error).toBeInstanceOf(RedisServerMissingError);
      expect(String(error)).toMatch(/redis-server is not on PATH.*apt-get install redis-server/);
    } finally {
      process.env.PATH = path;
    }
  });
});
