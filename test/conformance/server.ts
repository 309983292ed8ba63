import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** `<repo root>/../shared/conformance/crud`, located from this file rather than the working directory. */
export const DEFAULT_CONFORMANCE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../../../shared/conformance/crud");

export interface ConformanceServer {
  uri: string;
  /** What the tests run against, for the report. */
  description: string;
  stop(): Promise<void>;
}

/**
 * Uses `uri` (MONGODB_URI by default) when set; otherwise starts the local MongoDB stand-in on a
 * free port, reached as a replica set (as drivers' own runners reach one) so that the discovered
 * topology, which runOnRequirements are judged by, is `replicaset`.
 */
export async function startConformanceServer(uri = process.env.MONGODB_URI): Promise<ConformanceServer> {
  if (uri) return { uri, description: "MONGODB_URI", stop: async () => {} };
  const { startMongoStandIn } = await import("#local/mongo/index.ts");
  const standIn = await startMongoStandIn({ port: 0 });
  return { uri: standIn.replicaSetUri, description: `local stand-in at ${standIn.replicaSetUri}`, stop: () => standIn.stop() };
}
