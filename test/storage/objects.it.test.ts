/**
 * Object storage through the real SDK against a real s3rver: bytes and metadata round-trip,
 * missing keys, pagination, presigned URLs used by plain fetch, and outages becoming 503s.
 */
import { createHash, randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError, NotFoundError, UnavailableError } from "#core/errors.ts";
import { createS3Client } from "#core/storage/client.ts";
import * as Objects from "#core/storage/objects.ts";
import { S3RVER_CREDENTIALS } from "#local/s3/index.ts";
import { startTestS3, type TestS3 } from "#test/helpers/s3.ts";

const bucket = "objects";
let s3: TestS3;
let seq = 0;
/** A key no other test uses, so tests never see each other's objects. */
const freshKey = (name: string) => `t${++seq}/${name}`;
const ref = (key: string) => ({ client: s3.client, bucket, key });

beforeAll(async () => {
  s3 = await startTestS3([bucket]);
});

afterAll(async () => {
  await s3?.stop();
});

describe("put and get", () => {
  it("round-trips text exactly", async () => {
    const key = freshKey("note.txt");
    const text = "héllo, wörld ✓\r\n\0end";

    await Objects.putObject({ ...ref(key), body: text, contentType: "text/plain; charset=utf-8" });
    const bytes = await Objects.getObjectBytes(ref(key));

    expect(new TextDecoder().decode(bytes)).toBe(text);
  });

  it("round-trips every byte value exactly", async () => {
    const key = freshKey("all.bin");
    const body = Uint8Array.from({ length: 512 }, (_, i) => (i * 7) % 256);

    await Objects.putObject({ ...ref(key), body });
    const bytes = await Objects.getObjectBytes(ref(key));

    expect(bytes).toEqual(body);
  });

  it("stores an empty string as a zero-byte object", async () => {
    const key = freshKey("empty.txt");

    await Objects.putObject({ ...ref(key), body: "" });

    expect(await Objects.getObjectBytes(ref(key))).toEqual(new Uint8Array());
    expect(await Objects.headObject(ref(key))).toMatchObject({ contentLength: 0 });
  });

  it("keeps the content type and metadata", async () => {
    const key = freshKey("doc.json");

    await Objects.putObject({ ...ref(key), body: "{}", contentType: "application/json", metadata: { system: "ai-calling", "call-id": "CA1" } });
    const info = await Objects.headObject(ref(key));
    const { body, ...streamed } = await Objects.getObjectStream(ref(key));
    body.destroy();

    expect(info).toMatchObject({ contentType: "application/json", contentLength: 2, metadata: { system: "ai-calling", "call-id": "CA1" } });
    expect(info?.lastModified).toBeInstanceOf(Date);
    expect(streamed).toMatchObject({ contentType: "application/json", contentLength: 2, metadata: { system: "ai-calling", "call-id": "CA1" } });
  });

  it("streams a 6 MiB body in and out unchanged", async () => {
    const key = freshKey("big.bin");
    const data = randomBytes(6 * 1024 * 1024);
    const chunks = Array.from({ length: 96 }, (_, i) => data.subarray(i * 65_536, (i + 1) * 65_536));

    await Objects.putObject({ ...ref(key), body: Readable.from(chunks), contentLength: data.length });
    const { body, contentLength } = await Objects.getObjectStream(ref(key));
    const hash = createHash("sha256");
    let received = 0;
    for await (const chunk of body) {
      hash.update(chunk);
      received += chunk.length;
    }

    expect(contentLength).toBe(data.length);
    expect(received).toBe(data.length);
    expect(hash.digest("hex")).toBe(createHash("sha256").update(data).digest("hex"));
  });
});

describe("missing keys", () => {
  it("heads a missing key as undefined", async () => {
    const info = await Objects.headObject(ref(freshKey("missing")));

    expect(info).toBeUndefined();
  });

  it("throws NotFoundError when getting a missing key", async () => {
    const key = freshKey("missing");

    await expect(Objects.getObjectStream(ref(key))).rejects.toBeInstanceOf(NotFoundError);
    await expect(Objects.getObjectBytes(ref(key))).rejects.toBeInstanceOf(NotFoundError);
  });

  it("rethrows a missing bucket as the SDK's error, not as NotFoundError", async () => {
    const error = await Objects.getObjectBytes({ client: s3.client, bucket: "no-such-bucket", key: "k" }).catch((e: unknown) => e);

    expect(error).toMatchObject({ name: "NoSuchBucket" });
    expect(error).not.toBeInstanceOf(AppError);
  });

  it("deletes an object, and deleting it again succeeds", async () => {
    const key = freshKey("gone.txt");
    await Objects.putObject({ ...ref(key), body: "x" });

    await Objects.deleteObject(ref(key));
    await Objects.deleteObject(ref(key));

    expect(await Objects.headObject(ref(key))).toBeUndefined();
  });
});

describe("listing", () => {
  it("lists all 7 objects under a prefix in key order when each page holds 3", async () => {
    const prefix = freshKey("list/");
    const names = ["g", "a", "c", "e", "b", "f", "d"];
    for (const name of names) await Objects.putObject({ ...ref(`${prefix}${name}`), body: name.repeat(3) });
    await Objects.putObject({ ...ref(`${prefix.slice(0, -1)}-other/x`), body: "x" });

    const objects = await Objects.listAllObjects({ client: s3.client, bucket, prefix, pageSize: 3 });

    expect(objects.map((o) => o.key)).toEqual([...names].sort().map((name) => `${prefix}${name}`));
    expect(objects.every((o) => o.size === 3 && o.lastModified instanceof Date)).toBe(true);
  });

  it("yields nothing for a prefix with no objects", async () => {
    const objects = await Objects.listAllObjects({ client: s3.client, bucket, prefix: freshKey("empty/") });

    expect(objects).toEqual([]);
  });
});

describe("presigned URLs", () => {
  it("serves the bytes to plain fetch from a presigned GET URL", async () => {
    const key = freshKey("shared.bin");
    const body = Uint8Array.from([0, 1, 2, 253, 254, 255]);
    await Objects.putObject({ ...ref(key), body, contentType: "application/octet-stream" });

    const url = await Objects.presignedGetUrl({ ...ref(key), expiresIn: 60 });
    const response = await fetch(url);

    expect(new URL(url).searchParams.get("X-Amz-Expires")).toBe("60");
    expect(response.status).toBe(200);
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(body);
  });

  it("stores an upload sent by fetch to a presigned PUT URL", async () => {
    const key = freshKey("upload.mp3");
    const body = randomBytes(1000);

    const url = await Objects.presignedPutUrl({ ...ref(key), contentType: "audio/mpeg" });
    const response = await fetch(url, { method: "PUT", body, headers: { "content-type": "audio/mpeg" } });

    expect(response.status).toBe(200);
    expect(await Objects.getObjectBytes(ref(key))).toEqual(new Uint8Array(body));
    expect(await Objects.headObject(ref(key))).toMatchObject({ contentType: "audio/mpeg", contentLength: 1000 });
  });

  // s3rver checks only a presigned URL's access key and expiry, not its signature, so what
  // AWS S3 would enforce is asserted on the URL itself.
  it("signs the content type and no empty-body checksum into a presigned PUT URL for AWS S3", async () => {
    const aws = createS3Client({ region: "ap-south-1", credentials: S3RVER_CREDENTIALS });

    const url = new URL(await Objects.presignedPutUrl({ client: aws, bucket, key: "k", contentType: "audio/mpeg" }));
    aws.destroy();

    expect([...url.searchParams.keys()].filter((name) => /checksum/i.test(name))).toEqual([]);
    expect(url.searchParams.get("X-Amz-SignedHeaders")).toBe("content-type;host");
    expect(url.searchParams.get("X-Amz-Expires")).toBe("900");
  });
});

describe("outages", () => {
  it("fails with UnavailableError when nothing listens at the endpoint", async () => {
    const port = await closedPort();
    const client = createS3Client({ region: "us-east-1", endpoint: `http://127.0.0.1:${port}`, credentials: S3RVER_CREDENTIALS });
    const dead = { client, bucket, key: "k" };

    const errors = await Promise.all([
      Objects.headObject(dead).catch((e: unknown) => e),
      Objects.getObjectBytes(dead).catch((e: unknown) => e),
      Objects.putObject({ ...dead, body: "x" }).catch((e: unknown) => e),
      Objects.listAllObjects({ client, bucket }).catch((e: unknown) => e),
    ]);
    client.destroy();

    for (const error of errors) {
      expect(error).toBeInstanceOf(UnavailableError);
      expect(error).toMatchObject({ statusCode: 503, cause: { code: "ECONNREFUSED" } });
    }
  });

  it("fails with UnavailableError when the store answers 503", async () => {
    const server = await listen((_request, response) => {
      response.writeHead(503, { "content-type": "application/xml" });
      response.end("<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>");
    });
    const client = createS3Client({ region: "us-east-1", endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, credentials: S3RVER_CREDENTIALS });

    const error = await Objects.getObjectBytes({ client, bucket, key: "k" }).catch((e: unknown) => e);
    client.destroy();
    server.closeAllConnections();
    server.close();

    expect(error).toBeInstanceOf(UnavailableError);
    expect(error).toMatchObject({ cause: { name: "SlowDown" } });
  });
});

function listen(handler: Parameters<typeof createServer>[1]): Promise<Server> {
  const server = createServer(handler);
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

/** A port that was free a moment ago and has nothing listening on it now. */
async function closedPort(): Promise<number> {
  const server = await listen(() => undefined);
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
