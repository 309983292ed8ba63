/**
 * A real S3 for integration tests: s3rver on a free port, keeping its files in a fresh temp
 * directory that `stop` removes, with a client configured as `core` configures it locally.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { S3Client } from "@aws-sdk/client-s3";
import { createS3Client } from "#core/storage/client.ts";
import { S3RVER_CREDENTIALS, startS3Server } from "#local/s3/index.ts";

export interface TestS3 {
  endpoint: string;
  client: S3Client;
  stop(): Promise<void>;
}

export async function startTestS3(buckets: string[]): Promise<TestS3> {
  const directory = await mkdtemp(join(tmpdir(), "s3-test-"));
  const server = await startS3Server({ directory, buckets });
  const client = createS3Client({ region: "us-east-1", endpoint: server.endpoint, credentials: S3RVER_CREDENTIALS });
  return {
    endpoint: server.endpoint,
    client,
    async stop() {
      client.destroy();
      await server.stop();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
