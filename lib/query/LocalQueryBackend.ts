/**
 * Queries over the local store: the JSONL buffer file and its suffixed
 * siblings, read as a stream on every query, so memory does not grow with
 * the store. Messages are merged by id as MongoDB's upserts would (tasks by
 * `task_id`, workflows by `workflow_id`, …) and queried with mingo, which
 * implements MongoDB's query language.
 *
 * The store's index (`StoreIndex`, kept beside the store and brought up to
 * date with what was appended) tells where each record's lines are, which
 * ids have more than one message, and the workflow, activity and status of
 * each line. A query then reads only the lines that may match, once, and
 * parses those: a record with one message is tested and let go at once, a
 * record with several is held only until its last message.
 */
import { open as openFile, type FileHandle } from "node:fs/promises";
import { resolve } from "node:path";
import { Query } from "mingo";
import { bufferFileFamily } from "../../exporters/jsonl/buffer-file.js";
import { lineBytes } from "../../exporters/jsonl/line-chunks.js";
import { mergeRecord } from "../records/merge-records.js";
import { enrichRecord } from "../records/enrich-record.js";
import { lineMayHold, textCondition, type TextCondition } from "./line-index.js";
import { ID_FIELDS, lineRecordId, parseLine, typeOfCollection, type StoredRecord } from "./line-record-id.js";
import { dateToSeconds, mapTimeValues, normalizeLimit, normalizeProjection, normalizeSort, QUERY_OPTIONS } from "./query-normalize.js";
import { QueryResults } from "./QueryResults.js";
import { idHash, INDEXED_FIELDS, IndexView, StoreIndex, storeFilesNow, type IndexedField } from "./StoreIndex.js";
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
  /** The lines to read (in store order), instead of those the conditions select; the query then tests every record they hold. */
  lines?: (view: IndexView) => Iterable<number>;
}

/** Queries over the JSONL local store, merged by id as MongoDB would store it. */
export class LocalQueryBackend implements QueryBackend {
  readonly kind = "local" as const;
  /** The store's base path (absolute). */
  readonly path: string;
  private index: StoreIndex;
  private readonly onProgress: LocalQueryBackendOptions["onProgress"];

  constructor(options: LocalQueryBackendOptions) {
    this.path = resolve(options.path);
    this.onProgress = options.onProgress;
    this.index = new StoreIndex(this.path);
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

  /** Forgets the index held in memory: the next query reads it from beside the store again. */
  async close(): Promise<void> {
    this.index = new StoreIndex(this.path);
  }

  /**
   * Counts the tasks of each of `workflowIds` by status (`total` too) as the
   * merged task records would: from the index alone for a task with one
   * message whose workflow and status its line names plainly, by reading
   * and merging the others.
   */
  async taskCounts(workflowIds: readonly string[]): Promise<Map<string, Record<string, number>>> {
    const counts = new Map<string, Record<string, number>>();
    if (!workflowIds.length) return counts;
    const wanted = new Set(workflowIds);
    const add = (workflowId: string, status: string): void => {
      let c = counts.get(workflowId);
      if (!c) counts.set(workflowId, (c = { total: 0 }));
      c.total!++;
      c[status] = (c[status] ?? 0) + 1;
    };
    const byIndex = (view: IndexView): Iterable<number> => {
      const L = view.lines;
      const copies = view.copies();
      const codes = new Set<number>();
      for (const id of wanted) {
        const code = view.code(id);
        if (code !== undefined) codes.add(code);
      }
      const rest: number[] = [];
      for (let k = 0; k < view.size; k++) {
        if (L.type[k] !== TASK) continue;
        const wf = L.workflow_id[k]!;
        const status = L.status[k]!;
        if (copies[k]! > 1 || wf < 0 || status < 0) rest.push(k);
        else if (codes.has(wf)) add(view.strings[wf]!, view.strings[status]!);
      }
      return rest;
    };
    const test: RecordTest = { test: (r) => holds(r.workflow_id, wanted) };
    for await (const batch of this.scan({ collection: "tasks", query: test, conditions: [], lines: byIndex })) {
      for (const [t] of batch) add(String(t.workflow_id), String(t.status ?? "UNKNOWN"));
    }
    return counts;
  }

  /** Yields, per chunk of the store, the matching records with the place of their first message. */
  private async *scan(s: Scan): AsyncGenerator<[Record<string, unknown>, number][]> {
    const files = await storeFilesNow(bufferFileFamily(this.path));
    const type = typeOfCollection(s.collection);
    const open = new Map<string, Open>();
    let out: [Record<string, unknown>, number][] = [];
    const emit = (r: StoredRecord, at: number): void => {
      const rec = enrichRecord(r);
      if (s.query.test(rec)) {
        delete (rec as Record<string, unknown>).type; // implied by the collection
        out.push([rec, at]);
      }
    };
    let total = this.index.unindexed(files);
    let done = 0;
    const read = (n: number): void => {
      done += n;
      this.onProgress?.(done, total);
    };
    if (total > 0) this.onProgress?.(0, total);
    /** One line of the store, with `count` its id's messages when more than one. */
    const take = (bytes: Buffer, start: number, end: number, seq: number, count: number | undefined, file: string, test: boolean): void => {
      const ref = lineRecordId(bytes, start, end, type, file);
      if (!ref) return;
      if (count === undefined) {
        if (test && !ref.parsed && !mayMatch(bytes, start, end, s.conditions)) return;
        const r = ref.parsed ?? parseLine(bytes, start, end, file);
        if (r) emit(r, seq);
        return;
      }
      const r = ref.parsed ?? parseLine(bytes, start, end, file);
      if (!r) return;
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
    };
    try {
      const view = await this.index.update(files, read);
      const copies = view.copies();
      const L = view.lines;
      const selected = s.lines ? s.lines(view) : candidates(view, type, s.conditions);
      total = done + files.reduce((n, f, i) => n + Math.max(0, f.size - (view.ends[i] ?? 0)), 0);
      for (const k of selected) total += L.len[k]! + 1;
      for await (const group of readLines(view, selected)) {
        read(group.bytes.length);
        for (const k of group.lines) {
          const at = L.pos[k]! - group.from;
          const n = copies[k]!;
          take(group.bytes, at, at + L.len[k]!, k, n > 1 ? n : undefined, view.paths[L.file[k]!]!, true);
        }
        if (out.length) {
          yield out;
          out = [];
        }
        if (open.size === 0 && s.done?.(group.last + 1)) return;
      }
      // A last line not indexed yet (torn, or being written) is read as a full scan would.
      let seq = view.size;
      for (let i = 0; i < files.length; i++) {
        const f = files[i]!;
        const from = view.paths[i] === f.path ? (view.ends[i] ?? 0) : 0;
        if (f.size <= from) continue;
        for await (const { bytes } of lineBytes(f.path, from, f.size)) {
          read(bytes.length);
          for (let start = 0; start < bytes.length; ) {
            let end = bytes.indexOf(10, start);
            if (end === -1) end = bytes.length;
            const lineStart = start;
            start = end + 1;
            const ref = lineRecordId(bytes, lineStart, end, type, f.path);
            if (!ref) continue;
            const n = view.copiesOfHash(idHash(ref.type, ref.id));
            take(bytes, lineStart, end, seq++, n > 1 ? n : undefined, f.path, !s.lines);
          }
        }
      }
      // Records whose count was an overestimate (ids sharing a hash) end here.
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

const TASK = typeOfCollection("tasks");
/** Lines closer than this are read together. */
const GAP = 64 * 1024;
/** At most this many bytes are read at once. */
const SPAN = 8 * 1024 * 1024;
/** Reads issued before the first of them is used. */
const AHEAD = 16;

/**
 * The lines of records of `type` that may match `conditions` by the index,
 * in store order: every line of an id with several messages (the merged
 * record may match), and every other line unless the index rules it out.
 */
function candidates(view: IndexView, type: number, conditions: readonly TextCondition[]): Iterable<number> {
  const L = view.lines;
  const tests: ((k: number) => boolean)[] = [];
  let narrowest: Uint32Array | undefined;
  const narrow = (lines: Uint32Array): void => {
    if (!narrowest || lines.length < narrowest.length) narrowest = lines;
  };
  for (const c of conditions) {
    if (c.key === ID_FIELDS[type]) {
      const hashes = new Set([...c.values].map((v) => idHash(type, v)));
      const col = L.idHash;
      tests.push((k) => hashes.has(col[k]!));
      const found: number[] = [];
      if (hashes.size === 1) {
        const [h] = hashes;
        for (let k = 0; k < view.size; k++) if (col[k] === h) found.push(k);
      } else for (let k = 0; k < view.size; k++) if (hashes.has(col[k]!)) found.push(k);
      narrow(Uint32Array.from(found));
    } else if ((INDEXED_FIELDS as readonly string[]).includes(c.key)) {
      const field = c.key as IndexedField;
      const col = L[field];
      const codes = new Set<number>();
      for (const v of c.values) {
        const code = view.code(v);
        if (code !== undefined) codes.add(code);
      }
      tests.push((k) => col[k]! < 0 || codes.has(col[k]!));
      const p = view.postings(field);
      const parts = [p.unknown, ...[...codes].map((code) => p.lines.subarray(p.offsets[code]!, p.offsets[code + 1]!))];
      const all = new Uint32Array(parts.reduce((n, x) => n + x.length, 0));
      let at = 0;
      for (const x of parts) {
        all.set(x, at);
        at += x.length;
      }
      narrow(parts.length > 1 ? all.sort() : all);
    }
  }
  const copies = view.copies();
  if (!narrowest) {
    const out: number[] = [];
    for (let k = 0; k < view.size; k++) if (L.type[k] === type) out.push(k);
    return out;
  }
  // The lines the narrowest condition keeps, and every line of ids with several messages.
  const multi = view.multiLines();
  const merged = new Uint32Array(narrowest.length + multi.length);
  merged.set(narrowest);
  merged.set(multi, narrowest.length);
  merged.sort();
  const out: number[] = [];
  for (let i = 0; i < merged.length; i++) {
    const k = merged[i]!;
    if (i > 0 && merged[i - 1] === k) continue;
    if (L.type[k] !== type) continue;
    if (copies[k]! > 1 || tests.every((t) => t(k))) out.push(k);
  }
  return out;
}

/** Lines read together: `bytes` is the file from `from`; `last` the last line's number. */
interface LineGroup {
  bytes: Buffer;
  from: number;
  lines: number[];
  last: number;
}

/** Reads `lines` (in store order), those close together in one read, a few reads ahead. */
async function* readLines(view: IndexView, lines: Iterable<number>): AsyncGenerator<LineGroup> {
  const L = view.lines;
  const handles = new Map<number, Promise<FileHandle>>();
  const handle = (file: number): Promise<FileHandle> => {
    let h = handles.get(file);
    if (!h) {
      h = openFile(view.paths[file]!, "r");
      h.catch(() => undefined);
      handles.set(file, h);
    }
    return h;
  };
  const load = async (file: number, from: number, to: number, group: number[]): Promise<LineGroup> => {
    const fh = await handle(file);
    const bytes = Buffer.allocUnsafe(to - from);
    let got = 0;
    while (got < bytes.length) {
      const { bytesRead } = await fh.read(bytes, got, bytes.length - got, from + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    if (got < bytes.length) throw new FlowceptQueryError(`${view.paths[file]} is shorter than when it was indexed`);
    return { bytes, from, lines: group, last: group[group.length - 1]! };
  };
  // Reads of scattered lines overlap (the disk and the page cache serve several at once); memory holds a few spans.
  const ahead: Promise<LineGroup>[] = [];
  let aheadBytes = 0;
  let group: number[] = [];
  let from = 0;
  let to = 0;
  let file = -1;
  const queue = (): void => {
    const loading = load(file, from, to, group);
    loading.catch(() => undefined); // handled where it is awaited
    ahead.push(loading);
    aheadBytes += to - from;
  };
  try {
    for (const k of lines) {
      const f = L.file[k]!;
      const p = L.pos[k]!;
      const e = p + L.len[k]!;
      if (group.length && f === file && p - to < GAP && e - from <= SPAN) {
        group.push(k);
        to = e;
        continue;
      }
      if (group.length) {
        queue();
        while (ahead.length > AHEAD || aheadBytes > SPAN) {
          const g = await ahead.shift()!;
          aheadBytes -= g.bytes.length;
          yield g;
        }
      }
      group = [k];
      file = f;
      from = p;
      to = e;
    }
    if (group.length) queue();
    while (ahead.length) yield await ahead.shift()!;
  } finally {
    // A query that stopped early: its reads end before their files close.
    await Promise.allSettled(ahead);
    for (const h of handles.values()) await h.then((fh) => fh.close()).catch(() => undefined);
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
