/**
 * The local S3: s3rver keeping objects as files under a directory, for `npm start` (under
 * `.data/`) and for tests (a temp directory). A development tool, never production storage.
 *
 * Clients must use `createS3Client` with the endpoint (path-style addressing, checksums only
 * when required) and `S3RVER_CREDENTIALS`. s3rver refuses any other access key ID and checks a
 * presigned URL's expiry, but it does not verify SigV4 signatures: a wrongly signed request
 * passes here and fails on AWS S3.
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createRequire } from "node:module";
import { serveListObjectsV2OverV1 } from "./list-objects-v2.ts";

/** The only access key s3rver accepts. */
export const S3RVER_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } as const;

export interface S3ServerOptions {
  /** Where buckets and objects are kept; created if missing. */
  directory: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Buckets to create if missing. */
  buckets?: string[];
}

export interface S3Server {
  /** `http://127.0.0.1:<port>`, for `createS3Client({ endpoint })`. */
  endpoint: string;
  port: number;
  directory: string;
  stop(): Promise<void>;
}

/** The part of s3rver 3.7 used here; the package is CommonJS and ships no types. */
interface S3rver {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  httpServer?: Server;
}

interface S3rverOptions {
  directory: string;
  port: number;
  address: string;
  silent: boolean;
  configureBuckets: Array<{ name: string; configs: string[] }>;
}

// createRequire rather than `import`: Node loads the CommonJS default export either way, but
// tsc has no declarations for s3rver, and the constructor's type is declared just above.
const require = createRequire(import.meta.url);
const S3rverServer: new (options: S3rverOptions) => S3rver = require("s3rver");

/**
 * Starts s3rver; resolves once it listens and the buckets exist.
 *
 * @example
 * const s3 = await startS3Server({ directory: ".data/s3", port: 4568, buckets: ["recordings"] });
 * // ... later
 * await s3.stop();
 */
export async function startS3Server({ directory, port = 0, host = "127.0.0.1", buckets = [] }: S3ServerOptions): Promise<S3Server> {
  serveListObjectsV2OverV1();
  const server = new S3rverServer({
    directory,
    port,
    address: host,
    // Quiet: no request log on stdout, and Koa prints no error stacks to stderr.
    silent: true,
    configureBuckets: buckets.map((name) => ({ name, configs: [] })),
  });
  const address = await server.run();
  return {
    endpoint: `http://${endpointHost(address)}:${address.port}`,
    port: address.port,
    directory,
    async stop() {
      const closing = server.close();
      // Keep-alive and half-read streams would otherwise hold close() open.
      server.httpServer?.closeAllConnections();
      await closing;
    },
  };
}

/** A wildcard address is listened on, not connected to: clients use loopback. */
function endpointHost({ address, family }: AddressInfo): string {
  if (address === "0.0.0.0" || address === "::") return "127.0.0.1";
  return family === "IPv6" ? `[${address}]` : address;
}
