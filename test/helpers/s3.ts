/**
 * A real S3 for integration tests: s3rver on a free port, keeping its files in a fresh temp
 * directory that `stop` removes, with a client configured as `core` configures it locally.
 * `stopServer` and `restartServer` make an outage: the server goes away and comes back on the
 * same port with the same files.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { S3Client } from "@aws-sdk/client-s3";
import { createS3Client } from "#core/storage/client.ts";
import { S3RVER_CREDENTIALS, startS3Server, type S3Server } from "#local/s3/index.ts";

export interface TestS3 {
  endpoint: string;
  client: S3Client;
  /** Stops only s3rver, as an outage would: its port refuses connections, its files stay. */
  stopServer(): Promise<void>;
  /** Starts s3rver again on the same port and directory, with what was stored before. */
  restartServer(): Promise<void>;
  stop(): Promise<void>;
}

export async function startTestS3(buckets: string[]): Promise<TestS3> {
  const directory = await mkdtemp(join(tmpdir(), "s3-test-"));
  let server: S3Server | undefined = await startS3Server({ directory, buckets });
  const { endpoint, port } = server;
  const client = createS3Client({ region: "us-east-1", endpoint, credentials: S3RVER_CREDENTIALS });
  const stopServer = async () => {
    await server?.stop();
    server = undefined;
  };
  return {
    endpoint,
    client,
    stopServer,
    async restartServer() {
      server ??= await startS3Server({ directory, port, buckets });
    },
    async stop() {
      client.destroy();
      await stopServer();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
