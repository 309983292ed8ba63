/**
 * ListObjectsV2 pagination for s3rver on Node ≥ 17.
 *
 * s3rver 3.7 encrypts its V2 continuation tokens with DES, which OpenSSL 3 refuses without
 * `--openssl-legacy-provider`: every truncated V2 listing answers 500 ("digital envelope
 * routines::unsupported"). Production code should not fall back to V1 for a stand-in's sake,
 * so the stand-in serves V2 through s3rver's V1 listing (marker based, no cipher) and issues
 * its own opaque token: the base64url of the key the next page starts after.
 *
 * The wrap replaces s3rver's `getBucket` controller, which its router looks up on every
 * request; it runs after signature checks, so rewriting the query does not break them.
 */
import { createRequire } from "node:module";

type Query = Record<string, string | string[] | undefined>;

/** The part of a Koa context the listing controller reads and writes. */
interface ListContext {
  query: Query;
  body: unknown;
}

interface ListBucketResult {
  Contents?: Array<{ Key: string; Owner?: unknown }>;
  CommonPrefixes?: Array<{ Prefix: string }>;
  IsTruncated?: boolean;
  Marker?: string;
  NextMarker?: string;
  [field: string]: unknown;
}

type Controller = ((ctx: ListContext) => Promise<void>) & { listsV2OverV1?: true };

const require = createRequire(import.meta.url);
const bucketController: { getBucket: Controller } = require("s3rver/lib/controllers/bucket.js");

/** Installs the V2-over-V1 listing once per process (s3rver's modules are shared). */
export function serveListObjectsV2OverV1(): void {
  const listV1 = bucketController.getBucket;
  if (listV1.listsV2OverV1) return;
  const listV2: Controller = async (ctx) => {
    if (ctx.query["list-type"] !== "2") return listV1(ctx);
    const { "list-type": _, "continuation-token": token, "start-after": startAfter, "fetch-owner": fetchOwner, ...rest } = ctx.query;
    const marker = typeof token === "string" && token !== "" ? Buffer.from(token, "base64url").toString("utf8") : startAfter;
    ctx.query = marker === undefined ? rest : { ...rest, marker };
    await listV1(ctx);
    const result = (ctx.body as { ListBucketResult?: ListBucketResult } | undefined)?.ListBucketResult;
    if (result) ctx.body = { ListBucketResult: toV2(result, { token, startAfter, fetchOwner }) };
  };
  listV2.listsV2OverV1 = true;
  bucketController.getBucket = listV2;
}

function toV2(v1: ListBucketResult, request: { token: Query[string]; startAfter: Query[string]; fetchOwner: Query[string] }): ListBucketResult {
  const { Marker: _marker, NextMarker: _next, Contents = [], CommonPrefixes = [], ...fields } = v1;
  const lastKey = Contents.at(-1)?.Key ?? "";
  const lastPrefix = CommonPrefixes.at(-1)?.Prefix ?? "";
  const resumeAfter = lastKey > lastPrefix ? lastKey : lastPrefix;
  return {
    ...fields,
    StartAfter: request.token ? undefined : request.startAfter,
    ContinuationToken: request.token || undefined,
    NextContinuationToken: fields.IsTruncated ? Buffer.from(resumeAfter, "utf8").toString("base64url") : undefined,
    KeyCount: Contents.length + CommonPrefixes.length,
    // V1 always lists owners; V2 only on request.
    Contents: request.fetchOwner === "true" ? Contents : Contents.map(({ Owner: _owner, ...object }) => object),
    CommonPrefixes,
  };
}
