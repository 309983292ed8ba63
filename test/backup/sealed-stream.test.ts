/**
 * Sealed backup files: what is sealed opens to the same bytes whatever the chunking, and a file
 * altered, truncated, sealed under another key or not sealed at all is refused.
 */
import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { describe, expect, it } from "vitest";
import { openStream, sealStream, SealedFileError, type BackupKey } from "#core/backup/sealed-stream.ts";
import { ENCRYPTED_FILE_MAGIC } from "#core/backup/format.ts";

const key: BackupKey = { id: "k1", key: randomBytes(32) };

async function through(chunks: Buffer[], transform: NodeJS.ReadWriteStream): Promise<Buffer> {
  const out: Buffer[] = [];
  await pipeline(Readable.from(chunks), transform, async function* (source) {
    for await (const chunk of source) out.push(chunk as Buffer);
  });
  return Buffer.concat(out);
}

const split = (bytes: Buffer, ...at: number[]) => [0, ...at, bytes.length].slice(1).map((end, i, ends) => bytes.subarray(i === 0 ? 0 : ends[i - 1], end)).filter((part, i) => i === 0 || part.length > 0);

describe("sealStream and openStream", () => {
  it("open what was sealed to the same bytes, however the chunks fall", async () => {
    const data = randomBytes(1_000_003);

    const sealed = await through(split(data, 7, 500_000), sealStream(key));
    const opened = await through(split(sealed, 3, 20, 600_000), openStream([key]));

    expect(sealed.subarray(0, ENCRYPTED_FILE_MAGIC.length).equals(ENCRYPTED_FILE_MAGIC)).toBe(true);
    expect(sealed.includes(data.subarray(0, 64))).toBe(false);
    expect(opened.equals(data)).toBe(true);
  });

  it("seal an empty stream into a file that opens empty", async () => {
    const sealed = await through([], sealStream(key));

    expect((await through([sealed], openStream([key]))).length).toBe(0);
  });

  it("open with a retired key still listed after the current one", async () => {
    const retired: BackupKey = { id: "old", key: randomBytes(32) };
    const sealed = await through([Buffer.from("kept for years")], sealStream(retired));

    expect((await through([sealed], openStream([key, retired]))).toString()).toBe("kept for years");
  });

  it("refuse an altered byte, a truncated file, another key of the same id, an unknown key id and an unsealed file", async () => {
    const sealed = await through([randomBytes(5000)], sealStream(key));
    const altered = Buffer.from(sealed);
    altered[200] ^= 1;

    const attempts = [
      through([altered], openStream([key])),
      through([sealed.subarray(0, sealed.length - 5)], openStream([key])),
      through([sealed], openStream([{ id: "k1", key: randomBytes(32) }])),
      through([sealed], openStream([{ id: "other", key: key.key }])),
      through([Buffer.from("plain gzip bytes, not sealed")], openStream([key])),
    ];

    for (const attempt of attempts) await expect(attempt).rejects.toBeInstanceOf(SealedFileError);
  });
});
