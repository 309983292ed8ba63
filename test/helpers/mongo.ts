/**
 * A MongoDB for integration tests: the server at `MONGODB_URI` when set, otherwise a local
 * stand-in started for the test file. Each call to `freshDatabase` gives an empty database.
 */
import { randomBytes } from "node:crypto";
import { MongoClient, type Db } from "mongodb";
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
  let uri = process.env.MONGODB_URI;
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
