/**
 * The one way `core` builds an S3 client: AWS S3 with the SDK's defaults, or any S3-compatible
 * store (s3rver locally, MinIO, R2) when an endpoint override is given.
 */
import { S3Client, type S3ClientConfig } from "@aws-sdk/client-s3";
import { config } from "../config/index.ts";

export interface S3ClientOptions {
  region: string;
  /** An S3-compatible endpoint (`http://127.0.0.1:4568`); omit for AWS S3. */
  endpoint?: string;
  /** Omit to use the default chain (the Lambda role in production). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/**
 * Creates the S3 client. Create it once at module scope and pass it to the storage functions.
 *
 * @example
 * const s3 = createS3Client({ region: "ap-south-1" });
 * const local = createS3Client({ region: "us-east-1", endpoint: "http://127.0.0.1:4568", credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } });
 */
export function createS3Client({ region, endpoint, credentials }: S3ClientOptions): S3Client {
  const config: S3ClientConfig = {
    region,
    // A Lambda has seconds, not minutes: three attempts, and a dead endpoint fails its connect
    // within 3 s instead of hanging until the function times out. socketTimeout is an idle
    // limit, so long downloads are not cut off.
    maxAttempts: 3,
    requestHandler: { connectionTimeout: 3_000, socketTimeout: 30_000 },
  };
  if (credentials) config.credentials = credentials;
  if (endpoint) {
    config.endpoint = endpoint;
    // Other stores rarely resolve `<bucket>.<host>` names (localhost does not).
    config.forcePathStyle = true;
    // Since SDK 3.729 uploads default to CRC32 checksums, and stream bodies go out as
    // `aws-chunked` with a trailing checksum. s3rver does not decode that framing and stores it
    // as the object's bytes (other stores reject the headers), so checksums are sent only when
    // an operation requires them, as before 3.729.
    config.requestChecksumCalculation = "WHEN_REQUIRED";
    config.responseChecksumValidation = "WHEN_REQUIRED";
  }
  return new S3Client(config);
}

let shared: S3Client | undefined;

/** The container's S3 client, configured from `AWS_REGION` and `AWS_ENDPOINT_URL_S3`. */
export function s3(): S3Client {
  const { region, endpoint } = config("storage");
  shared ??= createS3Client({ region, endpoint });
  return shared;
}

/** The platform's buckets (`RECORDINGS_BUCKET`, `BACKUPS_BUCKET`; SST links in AWS). */
export function buckets(): { recordings: string; backups: string } {
  const { recordingsBucket, backupsBucket } = config("storage");
  return { recordings: recordingsBucket, backups: backupsBucket };
}
