/**
 * Queries over MongoDB. Results come back in the local store's form: field
 * names un-escaped, dates as float seconds, no `_id`.
 */
import type { Document, FindCursor, MongoClient, MongoClientOptions } from "mongodb";
import { mongoDriver } from "../../exporters/mongo/mongo-driver.js";
import { redactUri } from "../records/redact.js";
import { unescapeKeys } from "../../exporters/mongo/mongo-keys.js";
import { TIME_FIELDS } from "../records/records.js";
import { mapTimeValues, normalizeLimit, normalizeProjection, normalizeSort, secondsToDate } from "./query-normalize.js";
import { FlowceptQueryError, type CollectionName, type QueryBackend, type QueryFilter, type QueryOptions } from "./query-types.js";

/** Options of {@link MongoQueryBackend}. */
export interface MongoQueryBackendOptions {
  uri: string;
  /** Default `flowcept`. */
  dbName?: string | undefined;
  /** How long to wait for a server, ms. Default 5000. */
  serverSelectionTimeoutMS?: number | undefined;
  clientOptions?: MongoClientOptions | undefined;
}

/** Converts one stored document to the record form. */
export function fromMongoDocument(doc: Document): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(doc)) {
    if (k === "_id") continue;
    out[k] = v instanceof Date && TIME_FIELDS.includes(k) ? v.getTime() / 1000 : v;
  }
  return unescapeKeys(out);
}

/** Queries over Flowcept's MongoDB collections. */
export class MongoQueryBackend implements QueryBackend {
  readonly kind = "mongodb" as const;
  private readonly client: MongoClient;
  private readonly dbName: string;

  constructor(private readonly options: MongoQueryBackendOptions) {
    this.client = new (mongoDriver().MongoClient)(options.uri, {
      serverSelectionTimeoutMS: options.serverSelectionTimeoutMS ?? 5000,
      ...options.clientOptions,
    });
    this.dbName = options.dbName ?? "flowcept";
  }

  describe(): string {
    return `${redactUri(this.options.uri)} (database ${this.dbName})`;
  }

  async find(collection: CollectionName, filter: QueryFilter, options: QueryOptions): Promise<Record<string, unknown>[]> {
    const projection = normalizeProjection(options.projection);
    const sort = normalizeSort(options.sort);
    const limit = normalizeLimit(options.limit);
    try {
      let cursor = this.cursor(collection, filter, projection);
      if (sort) cursor = cursor.sort(sort);
      if (limit) cursor = cursor.limit(limit);
      const docs = await cursor.toArray();
      return docs.map(fromMongoDocument);
    } catch (err) {
      throw this.queryError(err);
    }
  }

  /** Streams the matching documents through a cursor, in the record form. */
  async *iterate(collection: CollectionName, filter: QueryFilter, options: Pick<QueryOptions, "projection"> = {}): AsyncGenerator<Record<string, unknown>> {
    const cursor = this.cursor(collection, filter, normalizeProjection(options.projection));
    try {
      for await (const doc of cursor) yield fromMongoDocument(doc);
    } catch (err) {
      throw this.queryError(err);
    } finally {
      await cursor.close();
    }
  }

  private cursor(collection: CollectionName, filter: QueryFilter, projection: Record<string, 0 | 1> | undefined): FindCursor<Document> {
    const mongoProjection: Document = { _id: 0, ...(projection ?? {}) };
    return this.client.db(this.dbName).collection(collection).find(mapTimeValues(filter, secondsToDate), { projection: mongoProjection });
  }

  private queryError(err: unknown): FlowceptQueryError {
    const e = err as Error & { codeName?: string };
    if (/ServerSelection|Network|Timeout/.test(e.name)) return new FlowceptQueryError(`MongoDB at ${redactUri(this.options.uri)} is unreachable: ${e.message}`);
    return new FlowceptQueryError(`MongoDB refused the query: ${e.message}`);
  }

  /** Closes the MongoDB connection. */
  async close(): Promise<void> {
    await this.client.close();
  }
}
