/**
 * What a backup is, shared by the dump, the restore, retention and the drill. Under the backups
 * bucket, one folder per database and run, in mongodump's gzip layout so a downloaded copy
 * restores with the standard `mongorestore --gzip --nsInclude '<db>.*' --dir <folder>`:
 *
 *   backups/<database>/<UTC timestamp>/<collection>.bson.gz            documents in _id order, as BSON, gzipped
 *   backups/<database>/<UTC timestamp>/<collection>.metadata.json.gz   indexes and options (validator)
 *   backups/<database>/<UTC timestamp>/manifest.json                   written last: the backup is complete
 *
 * An encrypted backup (BACKUP_ENCRYPTION_KEYS set) has `.enc` after each data file name: the
 * gzip stream sealed with AES-256-GCM (`ENCRYPTED_FILE_MAGIC`, the key id, a 12-byte IV, the
 * ciphertext, the 16-byte tag), which only our restore reads. The manifest itself is never
 * encrypted: it holds counts, sizes and hashes, nothing of the data.
 *
 * A folder without `manifest.json` is a backup that did not finish: never listed as complete,
 * never restored, removed by retention.
 */
import * as z from "zod";

export const BACKUP_ROOT = "backups";
export const MANIFEST_FILE = "manifest.json";
export const ENCRYPTED_SUFFIX = ".enc";
/** The first bytes of an encrypted file: format name and version. */
export const ENCRYPTED_FILE_MAGIC = Buffer.from("SDPBAK1\n", "latin1");

/** `2026-11-21T02:00:00.000Z` → `20261121T020000Z`: sorts as time does, safe in a key. */
export function backupTimestamp(at: Date): string {
  return at.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}Z$/, "Z");
}

export function parseBackupTimestamp(text: string): Date | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number);
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  return backupTimestamp(date) === text ? date : undefined;
}

/** `backups/<database>/<timestamp>/` */
export const backupPrefix = (database: string, timestamp: string): string => `${BACKUP_ROOT}/${database}/${timestamp}/`;
/** `backups/<database>/` */
export const databasePrefix = (database: string): string => `${BACKUP_ROOT}/${database}/`;

export const dataFileName = (collection: string, encrypted: boolean): string => `${collection}.bson.gz${encrypted ? ENCRYPTED_SUFFIX : ""}`;
export const metadataFileName = (collection: string, encrypted: boolean): string => `${collection}.metadata.json.gz${encrypted ? ENCRYPTED_SUFFIX : ""}`;

const fileEntry = z.object({
  /** The object's name within the backup folder. */
  name: z.string(),
  /** Bytes as stored in S3 (after gzip, and encryption when on). */
  bytes: z.number().int().min(0),
  /** SHA-256 of those bytes, hex. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

export const backupManifest = z.object({
  format: z.literal("serverless-data-platform/backup@1"),
  system: z.string(),
  database: z.string(),
  timestamp: z.string(),
  startedAt: z.iso.datetime(),
  finishedAt: z.iso.datetime(),
  /** The key id of BACKUP_ENCRYPTION_KEYS that sealed the files, or null when not encrypted. */
  encryption: z.object({ algorithm: z.literal("aes-256-gcm"), keyId: z.string() }).nullable(),
  collections: z.array(z.object({
    name: z.string(),
    documents: z.number().int().min(0),
    /** BSON bytes before compression. */
    bsonBytes: z.number().int().min(0),
    /** SHA-256 of the uncompressed BSON stream, hex: what a restore's re-dump must match. */
    bsonSha256: z.string().regex(/^[0-9a-f]{64}$/),
    data: fileEntry,
    metadata: fileEntry,
  })),
});

export type BackupManifest = z.output<typeof backupManifest>;
export type BackupFileEntry = z.output<typeof fileEntry>;
