/**
 * One `MongoClient` per container: created on first use, connected lazily by the driver, reused
 * by every invocation the container serves. The pool is small because a Lambda container handles
 * one request at a time; idle sockets close before Atlas would drop them.
 *
 * @example
 * const users = database("ai-calling").collection("users");
 */
import { MongoClient, type Db } from "mongodb";
import { config } from "../config/index.ts";
import { SYSTEMS, type SystemSlug } from "../systems.ts";

let client: MongoClient | undefined;

export function mongoClient(): MongoClient {
  if (!client) {
    const { uri, maxPoolSize } = config("mongo");
    client = new MongoClient(uri, {
      maxPoolSize,
      minPoolSize: 0,
      maxIdleTimeMS: 60_000,
      serverSelectionTimeoutMS: 5_000,
      connectTimeoutMS: 5_000,
      appName: "serverless-data-platform",
      // An optional field set to `undefined` means "absent", not null (the validator would refuse null).
      ignoreUndefined: true,
    });
    // The driver keeps a client whose first connection failed closed for good; forget it so the
    // next invocation builds a fresh one instead of failing until the container is recycled.
    const created = client;
    created.once("topologyClosed", () => {
      if (client === created) client = undefined;
    });
  }
  return client;
}

/** The database of a system, as DESIGN.md names it (after `MONGODB_DATABASE_PREFIX`). */
export function database(system: SystemSlug): Db {
  return mongoClient().db(databaseName(system));
}

export function databaseName(system: SystemSlug): string {
  return `${config("mongo").databasePrefix}${SYSTEMS[system].database}`;
}

/** Whether this container has created its client yet (nothing to close otherwise). */
export const hasMongoClient = (): boolean => client !== undefined;

/** Closes the container's client (local runtime shutdown, tests, operations commands). */
export async function closeMongoClient(): Promise<void> {
  const closing = client;
  client = undefined;
  await closing?.close();
}
