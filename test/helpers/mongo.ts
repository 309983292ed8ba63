/**
 * A MongoDB for tests of the stand-in itself: the server at `MONGODB_URI` when `npm test` was
 * given one, otherwise a stand-in of the test file's own (these tests read server-wide state such
 * as connection counts). Each call to `freshDatabase` gives an empty database.
 */
import { randomBytes } from "node:crypto";
import { MongoClient, type Db } from "mongodb";
import { inject } from "vitest";
import { startMongoStandIn, type MongoStandIn } from "#local/mongo/index.ts";

export interface TestMongo {
  uri: string;
  client: MongoClient;
  /** A database with a unique name, dropped by `close`. */
  freshDatabase(prefix?: string): Db;
  close(): Promise<void>;
}

export async function startTestMongo(): Promise<TestMongo> {
  let standIn: MongoStandIn | undefined;
  let uri = externalMongoUri();
  if (!uri) {
    standIn = await startMongoStandIn({ port: 0 });
    uri = standIn.uri;
  }
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5_000 });
  await client.connect();
  const databases: Db[] = [];
  return {
    uri,
    client,
    freshDatabase(prefix = "test") {
      const db = client.db(`${prefix}_${randomBytes(4).toString("hex")}`);
      databases.push(db);
      return db;
    },
    async close() {
      for (const db of databases) await db.dropDatabase().catch(() => undefined);
      await client.close();
      await standIn?.stop();
    },
  };
}

/** The MongoDB `npm test` was pointed at with MONGODB_URI, if any. */
export const externalMongoUri = (): string | undefined => inject("stack").externalMongoUri;
