/**
 * Encrypted backup files: a stream sealed with AES-256-GCM under a key of BACKUP_ENCRYPTION_KEYS
 * (`kid:base64key` pairs; the first seals, any opens), framed so the key that sealed a file is
 * known when opening it:
 *
 *   "SDPBAK1\n" | kid length (1 byte) | kid | IV (12 bytes) | ciphertext … | tag (16 bytes)
 *
 * The tag comes last, so sealing streams in constant memory; opening holds back the final 16
 * bytes until the end and refuses a file whose tag does not match (wrong key, truncated, altered).
 *
 * @example
 * await pipeline(gzipped, sealStream(backupKeys()), upload);
 * await pipeline(download, openStream(backupKeys()), createGunzip(), documents);
 */
import { createCipheriv, createDecipheriv, randomBytes, type CipherGCM, type DecipherGCM } from "node:crypto";
import { Transform, type TransformCallback } from "node:stream";
import { config } from "../config/index.ts";
import { ENCRYPTED_FILE_MAGIC } from "./format.ts";

const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface BackupKey {
  id: string;
  key: Buffer;
}

export class SealedFileError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "SealedFileError";
  }
}

/** The configured backup keys, first one sealing; empty when backups are not encrypted. */
export function backupKeys(): BackupKey[] {
  return (config("backup").encryptionKeys ?? []).map((pair) => {
    const [id, base64] = pair.split(":");
    return { id, key: Buffer.from(base64, "base64") };
  });
}

/** Seals what flows through with `key`. */
export function sealStream({ id, key }: BackupKey): Transform {
  const iv = randomBytes(IV_BYTES);
  const cipher: CipherGCM = createCipheriv("aes-256-gcm", key, iv);
  const kid = Buffer.from(id, "utf8");
  let started = false;
  return new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      if (!started) {
        started = true;
        this.push(Buffer.concat([ENCRYPTED_FILE_MAGIC, Buffer.from([kid.length]), kid, iv]));
      }
      done(null, cipher.update(chunk));
    },
    flush(done: TransformCallback) {
      if (!started) this.push(Buffer.concat([ENCRYPTED_FILE_MAGIC, Buffer.from([kid.length]), kid, iv]));
      done(null, Buffer.concat([cipher.final(), cipher.getAuthTag()]));
    },
  });
}

/** Opens a sealed stream with whichever of `keys` sealed it. */
export function openStream(keys: BackupKey[]): Transform {
  let header = Buffer.alloc(0);
  let decipher: DecipherGCM | undefined;
  let held = Buffer.alloc(0);
  return new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      try {
        if (!decipher) {
          header = Buffer.concat([header, chunk]);
          const parsed = readHeader(header, keys);
          if (!parsed) return done();
          decipher = parsed.decipher;
          chunk = header.subarray(parsed.length);
        }
        // The last TAG_BYTES of the stream are the tag, not ciphertext: keep them back.
        const available = Buffer.concat([held, chunk]);
        held = available.subarray(Math.max(0, available.length - TAG_BYTES));
        done(null, decipher.update(available.subarray(0, available.length - held.length)));
      } catch (error) {
        done(error as Error);
      }
    },
    flush(done: TransformCallback) {
      if (!decipher || held.length < TAG_BYTES) return done(new SealedFileError("the sealed file is truncated"));
      try {
        decipher.setAuthTag(held);
        done(null, decipher.final());
      } catch (error) {
        done(new SealedFileError("the sealed file does not open with this key (altered, truncated, or another key)", { cause: error }));
      }
    },
  });
}

/** The header's decipher and length once enough bytes have arrived; undefined until then. */
function readHeader(bytes: Buffer, keys: BackupKey[]): { decipher: DecipherGCM; length: number } | undefined {
  const magic = ENCRYPTED_FILE_MAGIC.length;
  if (bytes.length >= magic && !bytes.subarray(0, magic).equals(ENCRYPTED_FILE_MAGIC)) throw new SealedFileError("not a sealed backup file");
  if (bytes.length < magic + 1) return undefined;
  const kidLength = bytes[magic];
  const length = magic + 1 + kidLength + IV_BYTES;
  if (bytes.length < length) return undefined;
  const id = bytes.subarray(magic + 1, magic + 1 + kidLength).toString("utf8");
  const key = keys.find((candidate) => candidate.id === id);
  if (!key) throw new SealedFileError(`the file is sealed with key "${id}", which BACKUP_ENCRYPTION_KEYS does not hold`);
  return { decipher: createDecipheriv("aes-256-gcm", key.key, bytes.subarray(magic + 1 + kidLength, length)), length };
}
