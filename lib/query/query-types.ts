/** Types of the query API shared by its two backends. */

/** A MongoDB query filter. */
export type QueryFilter = Record<string, unknown>;

/** Fields to keep (`{ a: 1 }`, or a list of names) or drop (`{ a: 0 }`). */
export type QueryProjection = Record<string, 0 | 1 | boolean> | string[];

/** Sort order: `{ started_at: -1 }` or Flowcept's list of `[field, order]` pairs. */
export type QuerySort = Record<string, 1 | -1> | [string, 1 | -1][];

/** Flowcept's collections. */
export type CollectionName = "tasks" | "workflows" | "agents" | "objects";

/** Options of a query. */
export interface QueryOptions {
  projection?: QueryProjection | undefined;
  sort?: QuerySort | undefined;
  /** At most this many results; 0 or absent means no limit. */
  limit?: number | undefined;
}

/** Options of `FlowceptDb.query`. */
export interface CollectionQueryOptions extends QueryOptions {
  /** Default `tasks`. */
  collection?: CollectionName | undefined;
}

/** Where queries run: MongoDB or the local JSONL store. Both return records in the same form. */
export interface QueryBackend {
  readonly kind: "mongodb" | "local";
  /** Where the records are read from, for people (credentials removed). */
  describe(): string;
  /** Matching records: JSON values, times as float seconds, no `_id`, no `type`. */
  find(collection: CollectionName, filter: QueryFilter, options: QueryOptions): Promise<Record<string, unknown>[]>;
  /**
   * Streams the matching records (in the same form, in no particular order)
   * without gathering them: memory does not grow with the result. Backends
   * without it are read through {@link QueryBackend.find}.
   */
  iterate?(collection: CollectionName, filter: QueryFilter, options: Pick<QueryOptions, "projection">): AsyncIterable<Record<string, unknown>>;
  /**
   * The tasks of each of `workflowIds` counted by status (and `total`), as
   * the merged records have them; a workflow without tasks is left out.
   * Backends without it are read through {@link QueryBackend.iterate}.
   */
  taskCounts?(workflowIds: readonly string[]): Promise<Map<string, Record<string, number>>>;
  /** Releases what the backend holds (a connection, the records read). */
  close(): Promise<void>;
}

/** A query that cannot run: bad filter, projection or sort, or an unreachable database. */
export class FlowceptQueryError extends Error {
  override readonly name = "FlowceptQueryError";
}
