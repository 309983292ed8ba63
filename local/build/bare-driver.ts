/**
 * The floor of `npm run build`'s cold-init table: a Lambda handler that imports only the MongoDB
 * driver and runs one `findOne`, bundled like the platform's functions. Every function that
 * reads the database pays at least this (module load, connection, handshake, one round trip),
 * so the distance from here is what our own code and its other dependencies cost.
 *
 * It reads `MONGODB_URI` straight from the environment, as a bare handler would: going through
 * `core/config` would bring zod into the floor and make it no floor.
 */
import { MongoClient } from "mongodb";

// Module scope, as MongoDB's Lambda guidance says: created during init, connected on first use.
const client = new MongoClient(process.env.MONGODB_URI ?? "mongodb://127.0.0.1:27017", { maxPoolSize: 5 });

export const handler = async (): Promise<{ statusCode: number; body: string }> => {
  const document = await client.db("bare-driver").collection("probe").findOne({});
  return { statusCode: 200, body: JSON.stringify({ found: document !== null }) };
};
