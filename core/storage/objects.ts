/**
 * Generic object operations: verb-named, one destructured argument, the client injected (one
 * per process, from `createS3Client`). Failures come out as the error catalogue's classes:
 * a missing key on read is `NotFoundError`, an unreachable or failing store `UnavailableError`.
 */
import { Readable } from "node:stream";
import {
  DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, NoSuchKey, PutObjectCommand, paginateListObjectsV2,
  type GetObjectCommandOutput, type HeadObjectCommandOutput, type S3Client,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { InternalError, NotFoundError } from "#core/errors.ts";
import { callS3, s3Status, translateS3Error } from "./errors.ts";

export interface ObjectRef {
  client: S3Client;
  bucket: string;
  key: string;
}

/** A stream must state its length: S3's PutObject refuses a body of unknown length. */
export type ObjectBody =
  | { body: string | Uint8Array; contentLength?: never }
  | { body: Readable; contentLength: number };

export type PutObjectInput = ObjectRef & ObjectBody & {
  contentType?: string;
  /** User metadata (`x-amz-meta-*`); S3 lowercases the names. */
  metadata?: Record<string, string>;
};

export interface ObjectInfo {
  contentType?: string;
  contentLength?: number;
  lastModified?: Date;
  etag?: string;
  metadata: Record<string, string>;
}

export interface ObjectStream extends ObjectInfo {
  body: Readable;
}

export interface ObjectSummary {
  key: string;
  size: number;
  lastModified: Date;
}

export interface ListObjectsInput {
  client: S3Client;
  bucket: string;
  prefix?: string;
  /** Keys per request (S3 caps it at 1000); all pages are read either way. */
  pageSize?: number;
}

export type PresignInput = ObjectRef & {
  /** Seconds the URL stays valid; default 900. */
  expiresIn?: number;
};

/**
 * Stores an object, replacing any under the same key.
 *
 * @example
 * await putObject({ client, bucket, key: "exports/a.csv", body: csv, contentType: "text/csv" });
 */
export async function putObject({ client, bucket, key, body, contentLength, contentType, metadata }: PutObjectInput): Promise<{ etag?: string }> {
  // Stated for strings too: the SDK takes an empty string for a stream of unknown length.
  const length = body instanceof Readable ? contentLength : typeof body === "string" ? Buffer.byteLength(body) : body.byteLength;
  const output = await callS3(() =>
    client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentLength: length, ContentType: contentType, Metadata: metadata })),
  );
  return { etag: output.ETag };
}

/**
 * Opens an object for reading; throws `NotFoundError` when the key does not exist.
 *
 * @example
 * const { body, contentType } = await getObjectStream({ client, bucket, key });
 */
export async function getObjectStream(ref: ObjectRef): Promise<ObjectStream> {
  const output = await getObject(ref);
  if (!(output.Body instanceof Readable)) throw new InternalError("S3 returned a body that is not a Node stream");
  return { body: output.Body, ...describe(output) };
}

/**
 * Reads a whole object into memory; throws `NotFoundError` when the key does not exist.
 *
 * @example
 * const bytes = await getObjectBytes({ client, bucket, key: "config/prompts.json" });
 */
export async function getObjectBytes(ref: ObjectRef): Promise<Uint8Array> {
  const output = await getObject(ref);
  const body = output.Body;
  if (!body) return new Uint8Array();
  return callS3(() => body.transformToByteArray());
}

/**
 * Describes an object without reading it; undefined when the key does not exist.
 *
 * @example
 * const info = await headObject({ client, bucket, key });
 * if (info) console.log(info.contentLength);
 */
export async function headObject({ client, bucket, key }: ObjectRef): Promise<ObjectInfo | undefined> {
  try {
    return describe(await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key })));
  } catch (error) {
    // A HEAD answer has no body, so a missing key is known only by its status.
    if (s3Status(error) === 404) return undefined;
    throw translateS3Error(error);
  }
}

/**
 * Deletes an object; deleting a missing key succeeds (S3 answers 204 either way).
 *
 * @example
 * await deleteObject({ client, bucket, key });
 */
export async function deleteObject({ client, bucket, key }: ObjectRef): Promise<void> {
  await callS3(() => client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })));
}

/**
 * Yields every object under a prefix in key order, fetching pages as the caller reads.
 *
 * @example
 * for await (const { key, size } of listObjects({ client, bucket, prefix: "recordings/" })) total += size;
 */
export async function* listObjects({ client, bucket, prefix, pageSize }: ListObjectsInput): AsyncGenerator<ObjectSummary> {
  try {
    for await (const page of paginateListObjectsV2({ client, pageSize }, { Bucket: bucket, Prefix: prefix })) {
      for (const item of page.Contents ?? []) {
        if (item.Key === undefined) continue;
        yield { key: item.Key, size: item.Size ?? 0, lastModified: item.LastModified ?? new Date(0) };
      }
    }
  } catch (error) {
    throw translateS3Error(error);
  }
}

/**
 * Every object under a prefix, as an array; for prefixes known to be small.
 *
 * @example
 * const keys = (await listAllObjects({ client, bucket, prefix: "tmp/" })).map((o) => o.key);
 */
export async function listAllObjects(input: ListObjectsInput): Promise<ObjectSummary[]> {
  const objects: ObjectSummary[] = [];
  for await (const object of listObjects(input)) objects.push(object);
  return objects;
}

/**
 * A URL anyone can GET the object from until it expires.
 *
 * @example
 * const url = await presignedGetUrl({ client, bucket, key, expiresIn: 300 });
 */
export async function presignedGetUrl({ client, bucket, key, expiresIn = 900 }: PresignInput): Promise<string> {
  return getSignedUrl(client, new GetObjectCommand({ Bucket: bucket, Key: key }), { expiresIn });
}

/** Checksum headers the SDK may add to a PutObject; a presigned URL carries none of them. */
const UNSIGNED_CHECKSUM_HEADERS = new Set([
  "x-amz-sdk-checksum-algorithm", "x-amz-checksum-crc32", "x-amz-checksum-crc32c", "x-amz-checksum-crc64nvme",
  "x-amz-checksum-sha1", "x-amz-checksum-sha256",
]);

/**
 * A URL anyone can PUT the object's bytes to until it expires. With `contentType` the upload
 * must send that exact `Content-Type` (it is signed).
 *
 * @example
 * const url = await presignedPutUrl({ client, bucket, key, contentType: "audio/mpeg" });
 */
export async function presignedPutUrl({ client, bucket, key, contentType, expiresIn = 900 }: PresignInput & { contentType?: string }): Promise<string> {
  return getSignedUrl(client, new PutObjectCommand({ Bucket: bucket, Key: key, ContentType: contentType }), {
    expiresIn,
    // With its default checksums the SDK signs the checksum of the (empty) body it has at
    // presign time into the URL (`x-amz-checksum-crc32=AAAAAA==`), which fits no real upload.
    // Keeping those headers out of the URL and the signature leaves a plain presigned PUT.
    unhoistableHeaders: UNSIGNED_CHECKSUM_HEADERS,
    unsignableHeaders: UNSIGNED_CHECKSUM_HEADERS,
    signableHeaders: contentType ? new Set(["content-type"]) : undefined,
  });
}

async function getObject({ client, bucket, key }: ObjectRef): Promise<GetObjectCommandOutput> {
  try {
    return await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  } catch (error) {
    if (error instanceof NoSuchKey) throw new NotFoundError("Object not found", { cause: error });
    throw translateS3Error(error);
  }
}

function describe(output: GetObjectCommandOutput | HeadObjectCommandOutput): ObjectInfo {
  return {
    contentType: output.ContentType,
    contentLength: output.ContentLength,
    lastModified: output.LastModified,
    etag: output.ETag,
    metadata: output.Metadata ?? {},
  };
}
