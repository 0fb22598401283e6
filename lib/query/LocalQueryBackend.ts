/**
 * Queries over the local store: the JSONL buffer file and its suffixed
 * siblings, read as a stream on every query, so memory does not grow with
 * the store. Messages are merged by id as MongoDB's upserts would (tasks by
 * `task_id`, workflows by `workflow_id`, …) and queried with mingo, which
 * implements MongoDB's query language.
 *
 * Which ids have more than one message is known beforehand (`RepeatedIds`,
 * kept between queries and brought up to date with what was appended). A
 * query then reads the files once and parses each line that may match: a
 * record with one message is tested and let go at once, a record with
 * several is held only until its last message.
 */
import { resolve } from "node:path";
import { Query } from "mingo";
import { bufferFileFamily } from "../../exporters/jsonl/buffer-file.js";
import { lineBytes } from "../../exporters/jsonl/line-chunks.js";
import { mergeRecord } from "../records/merge-records.js";
import { enrichRecord } from "../records/enrich-record.js";
import { lineMayHold, textCondition, type TextCondition } from "./line-index.js";
import { lineRecordId, parseLine, typeOfCollection, type StoredRecord } from "./line-record-id.js";
import { dateToSeconds, mapTimeValues, normalizeLimit, normalizeProjection, normalizeSort, QUERY_OPTIONS } from "./query-normalize.js";
import { QueryResults } from "./QueryResults.js";
import { RepeatedIds } from "./RepeatedIds.js";
import { FlowceptQueryError, type CollectionName, type QueryBackend, type QueryFilter, type QueryOptions } from "./query-types.js";
import { errorMessage } from "../util/error-message.js";

/** Options of {@link LocalQueryBackend}. */
export interface LocalQueryBackendOptions {
  /** The store's base path (`project.dump_buffer.path`); its suffixed siblings are read too. */
  path: string;
  /** Called as a query reads the store's files, with the bytes read so far and the bytes it reads in all. */
  onProgress?: ((bytesRead: number, bytesTotal: number) => void) | undefined;
}


/** A record with several messages, held until its last one. */
interface Open {
  record: StoredRecord;
  left: number;
  seq: number;
}

/** What a query needs while it streams. */
interface Scan {
  collection: CollectionName;
  query: RecordTest;
  conditions: TextCondition[];
  /** Stops the scan early: true once nothing after `seq` can change the results. */
  done?: (seq: number) => boolean;
}

/** Queries over the JSONL local store, merged by id as MongoDB would store it. */
export class LocalQueryBackend implements QueryBackend {
  readonly kind = "local" as const;
  /** The store's base path (absolute). */
  readonly path: string;
  private repeated = new RepeatedIds();
  private readonly onProgress: LocalQueryBackendOptions["onProgress"];

  constructor(options: LocalQueryBackendOptions) {
    this.path = resolve(options.path);
    this.onProgress = options.onProgress;
  }

  describe(): string {
    return this.path;
  }

  async find(collection: CollectionName, filter: QueryFilter, options: QueryOptions): Promise<Record<string, unknown>[]> {
    const projection = normalizeProjection(options.projection);
    const sort = normalizeSort(options.sort);
    const limit = normalizeLimit(options.limit);
    const { query, conditions } = compile(filter);
    const results = new QueryResults(sort, limit, projection);
    const scan: Scan = { collection, query, conditions, done: (seq) => results.fullBefore(seq) };
    for await (const batch of this.scan(scan)) for (const [record, seq] of batch) results.add(record, seq);
    return results.rows();
  }

  /**
   * Streams the records of `collection` matching `filter`, merged, in no
   * particular order, with `projection` applied: memory holds a few
   * thousand records at a time however large the store and the result.
   */
  async *iterate(collection: CollectionName, filter: QueryFilter, options: Pick<QueryOptions, "projection"> = {}): AsyncGenerator<Record<string, unknown>> {
    const projection = normalizeProjection(options.projection);
    const { query, conditions } = compile(filter);
    for await (const batch of this.scan({ collection, query, conditions })) {
      const rows = batch.map(([r]) => r);
      yield* projection ? new Query({}, QUERY_OPTIONS).find<Record<string, unknown>>(rows, projection).all() : rows;
    }
  }

  /** Forgets which ids have several messages: the next query counts them again. */
  async close(): Promise<void> {
    this.repeated = new RepeatedIds();
  }

  /** Yields, per chunk of the store, the matching records with the place of their first message. */
  private async *scan(s: Scan): AsyncGenerator<[Record<string, unknown>, number][]> {
    const files = await RepeatedIds.files(bufferFileFamily(this.path));
    const type = typeOfCollection(s.collection);
    const open = new Map<string, Open>();
    let seq = 0;
    let out: [Record<string, unknown>, number][] = [];
    const emit = (r: StoredRecord, at: number): void => {
      const rec = enrichRecord(r);
      if (s.query.test(rec)) {
        delete (rec as Record<string, unknown>).type; // implied by the collection
        out.push([rec, at]);
      }
    };
    const total = this.repeated.uncounted(files) + files.reduce((n, f) => n + f.size, 0);
    let done = 0;
    const read = (n: number): void => {
      done += n;
      this.onProgress?.(done, total);
    };
    if (total > 0) this.onProgress?.(0, total);
    try {
      await this.repeated.update(files, read);
      for (const f of files) {
        for await (const { bytes } of lineBytes(f.path, 0, f.size)) {
          read(bytes.length);
          for (let start = 0; start < bytes.length; ) {
            let end = bytes.indexOf(10, start);
            if (end === -1) end = bytes.length; // a torn last line: skipped below when it does not parse
            const lineStart = start;
            start = end + 1;
            const ref = lineRecordId(bytes, lineStart, end, type, f.path);
            if (!ref) continue;
            seq++;
            const count = this.repeated.count(type, ref.id);
            if (count === undefined) {
              if (!ref.parsed && !mayMatch(bytes, lineStart, end, s.conditions)) continue;
              const r = ref.parsed ?? parseLine(bytes, lineStart, end, f.path);
              if (r) emit(r, seq);
              continue;
            }
            const r = ref.parsed ?? parseLine(bytes, lineStart, end, f.path);
            if (!r) continue;
            let held = open.get(ref.id);
            if (!held) open.set(ref.id, (held = { record: r, left: count - 1, seq }));
            else {
              held.record = mergeRecord(held.record, r);
              held.left--;
            }
            if (held.left <= 0) {
              open.delete(ref.id);
              emit(held.record, held.seq);
            }
          }
          if (out.length) {
            yield out;
            out = [];
          }
          if (open.size === 0 && s.done?.(seq + 1)) return;
        }
      }
      // Records whose count was an overestimate (ids sharing Bloom bits) end here.
      for (const o of open.values()) emit(o.record, o.seq);
      if (out.length) yield out;
    } catch (err) {
      if (err instanceof FlowceptQueryError) throw err;
      throw new FlowceptQueryError(`cannot query ${this.path}: ${errorMessage(err)}`);
    } finally {
      // A query that stopped early (its limit reached) ends its progress too.
      if (done < total) this.onProgress?.(total, total);
    }
  }
}

/** A record test: the filter's own when it is only string equalities, else mingo's. */
interface RecordTest {
  test(record: Record<string, unknown>): boolean;
}

/** The test of a filter and the text conditions that rule lines out without parsing them. */
function compile(filter: QueryFilter): { query: RecordTest; conditions: TextCondition[] } {
  const localFilter = mapTimeValues(filter, dateToSeconds);
  const conditions = requiredConditions(localFilter);
  const exact = equalitiesOnly(localFilter);
  if (exact) return { query: { test: (r) => exact.every((c) => holds(r[c.key], c.values)) }, conditions };
  let query: Query;
  try {
    query = new Query(localFilter, QUERY_OPTIONS);
  } catch (err) {
    throw new FlowceptQueryError(`invalid filter ${safeJson(filter)}: ${errorMessage(err)}`);
  }
  return {
    query: {
      // A filter mingo accepts but cannot apply (a bad operator argument) fails on the first record.
      test: (r) => {
        try {
          return query.test(r);
        } catch (err) {
          throw new FlowceptQueryError(`invalid filter ${safeJson(filter)}: ${errorMessage(err)}`);
        }
      },
    },
    conditions,
  };
}

/** MongoDB's equality on a string: the field is one of `values`, or an array holding one. */
function holds(v: unknown, values: ReadonlySet<string>): boolean {
  if (typeof v === "string") return values.has(v);
  return Array.isArray(v) && v.some((x) => typeof x === "string" && values.has(x));
}

/** The filter as conditions when every key of it is a top-level string equality (or `$in` of strings), else undefined. */
function equalitiesOnly(filter: QueryFilter): TextCondition[] | undefined {
  const out: TextCondition[] = [];
  for (const [k, v] of Object.entries(filter)) {
    if (k.startsWith("$") || k.includes(".")) return undefined;
    const c = textCondition(k, equalityValues(v) ?? []);
    if (!c) return undefined;
    out.push(c);
  }
  return out;
}

/** The values a filter entry asks a field to equal (`"v"`, `{ $eq: "v" }`, `{ $in: [...] }`), or undefined. */
function equalityValues(v: unknown): unknown[] | undefined {
  if (typeof v === "string") return [v];
  if (!v || typeof v !== "object" || Array.isArray(v)) return undefined;
  const ops = Object.keys(v);
  if (ops.length !== 1) return undefined;
  if (ops[0] === "$eq") return [(v as { $eq: unknown }).$eq];
  if (ops[0] === "$in" && Array.isArray((v as { $in: unknown }).$in)) return (v as { $in: unknown[] }).$in;
  return undefined;
}

function mayMatch(buf: Buffer, start: number, end: number, conditions: TextCondition[]): boolean {
  for (const c of conditions) if (!lineMayHold(buf, c, start, end)) return false;
  return true;
}

/**
 * Conditions some message of a record must meet for the record to match:
 * the filter's top-level string equalities (and `$in` of strings), also
 * inside `$and`. A one-message record whose line cannot meet one of them is
 * ruled out without parsing it; every other record is parsed and tested by
 * mingo.
 */
function requiredConditions(filter: QueryFilter): TextCondition[] {
  const out: TextCondition[] = [];
  for (const [k, v] of Object.entries(filter)) {
    if (k === "$and" && Array.isArray(v)) {
      for (const sub of v) if (sub && typeof sub === "object" && !Array.isArray(sub)) out.push(...requiredConditions(sub as QueryFilter));
      continue;
    }
    if (k.startsWith("$") || k.includes(".")) continue;
    const values = equalityValues(v);
    const c = values && textCondition(k, values);
    if (c) out.push(c);
  }
  return out;
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}
