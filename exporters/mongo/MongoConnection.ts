import { diag } from "@opentelemetry/api";
import type { Db, MongoClient, MongoClientOptions } from "mongodb";
import { mongoDriver } from "./mongo-driver.js";
import { errorMessage } from "../../lib/util/error-message.js";
import { ensureFlowceptIndexes } from "./mongo-indexes.js";

/** Idle time after which the connection is closed (it reopens on the next use). */
const IDLE_DISCONNECT_MS = 500;

/** Options of a {@link MongoConnection}. */
export interface MongoConnectionOptions {
  uri: string;
  dbName: string;
  /** How long to wait for a server, ms. */
  serverSelectionTimeoutMS: number;
  /** Create Flowcept's indexes on first contact. */
  createIndexes: boolean;
  clientOptions?: MongoClientOptions | undefined;
}

/**
 * The exporter's connection to MongoDB. A failed first connection gets a
 * fresh client (the driver closes its topology then). Open connections keep
 * a Node process alive, so once the exporter is idle the client is closed
 * after a short time and reconnects on the next use: a program that simply
 * ends can exit.
 */
export class MongoConnection {
  private client: MongoClient;
  private database: Db;
  private connected = false;
  private indexesReady = false;
  private idleTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly options: MongoConnectionOptions) {
    this.client = this.newClient();
    this.database = this.client.db(options.dbName);
  }

  private newClient(): MongoClient {
    const o = this.options;
    return new (mongoDriver().MongoClient)(o.uri, { serverSelectionTimeoutMS: o.serverSelectionTimeoutMS, connectTimeoutMS: o.serverSelectionTimeoutMS, ...o.clientOptions });
  }

  private replaceClient(): MongoClient {
    const old = this.client;
    this.client = this.newClient();
    this.database = this.client.db(this.options.dbName);
    this.connected = false;
    return old;
  }

  /** The database (valid after {@link ready} resolved true). */
  get db(): Db {
    return this.database;
  }

  /** Connects and creates the indexes if needed; false when MongoDB cannot be reached. */
  async ready(): Promise<boolean> {
    this.cancelIdleDisconnect();
    if (!this.connected) {
      try {
        await this.client.connect();
        this.connected = true;
      } catch (err) {
        diag.debug(`flowcept: connecting to MongoDB failed: ${errorMessage(err)}`);
        await this.replaceClient().close().catch(() => undefined);
        return false;
      }
    }
    if (this.indexesReady || !this.options.createIndexes) return true;
    try {
      await ensureFlowceptIndexes(this.database);
      this.indexesReady = true;
      return true;
    } catch (err) {
      diag.debug(`flowcept: creating indexes failed: ${errorMessage(err)}`);
      return false;
    }
  }

  /** Closes the client after a short idle time, if `idle()` still says so then. */
  scheduleIdleDisconnect(idle: () => boolean): void {
    if (this.idleTimer || this.closed || !this.connected) return;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      if (this.closed || !this.connected || !idle()) return;
      void this.replaceClient().close().catch(() => undefined);
    }, IDLE_DISCONNECT_MS);
    this.idleTimer.unref();
  }

  cancelIdleDisconnect(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  /** Closes the client for good. */
  async close(): Promise<void> {
    this.closed = true;
    this.cancelIdleDisconnect();
    try {
      await this.client.close();
    } catch (err) {
      diag.debug(`flowcept: closing the MongoDB client: ${errorMessage(err)}`);
    }
  }
}
