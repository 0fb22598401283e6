/**
 * The MongoDB the tests talk to: a real one when `FLOWCEPT_MONGO_URI` or
 * `MONGODB_URI` is set (each run gets its own database), else a
 * {@link MongoWireServer} on an ephemeral port. Only the test server can be
 * stopped and restarted; tests of outages skip themselves on a real MongoDB.
 */
import { randomBytes } from "node:crypto";
import { MongoClient, type Db } from "mongodb";
import { MongoWireServer } from "./MongoWireServer.js";

export interface MongoTarget {
  uri: string;
  dbName: string;
  /** The test server, when no real MongoDB is configured. */
  server: MongoWireServer | undefined;
  client: MongoClient;
  db: Db;
  /** A fresh database name for one test. */
  freshDb(): string;
  close(): Promise<void>;
}

const REAL_URI = process.env.FLOWCEPT_MONGO_URI ?? process.env.MONGODB_URI;
// The rest of the suite must not send its records to that server's `flowcept` database: MongoDB
// tests pass the URI explicitly (mocha loads every spec, and so this module, before any test runs).
delete process.env.FLOWCEPT_MONGO_URI;

/** True when tests run against a real MongoDB. */
export const usingRealMongo = !!REAL_URI;

export async function startMongoTarget(): Promise<MongoTarget> {
  const server = REAL_URI ? undefined : await new MongoWireServer().start();
  const uri = REAL_URI ?? server!.uri;
  const run = `flowcept_test_${process.pid}_${randomBytes(3).toString("hex")}`;
  const used: string[] = [];
  let n = 0;
  const freshDb = (): string => {
    const name = `${run}_${++n}`;
    used.push(name);
    return name;
  };
  const dbName = freshDb();
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 3000 });
  return {
    uri,
    dbName,
    server,
    client,
    db: client.db(dbName),
    freshDb,
    async close() {
      if (REAL_URI) for (const name of used) await client.db(name).dropDatabase().catch(() => undefined);
      await client.close();
      await server?.stop();
    },
  };
}
