/**
 * Queries over the local store: the JSONL buffer file and its suffixed
 * siblings. Messages are merged by id as MongoDB's upserts would (tasks by
 * `task_id`, workflows by `workflow_id`, …) and queried with mingo, which
 * implements MongoDB's query language. What was read is kept, and only bytes
 * appended since are read on the next query (the store is append-only; a
 * file that shrank is read again from the start).
 */
import { open, stat } from "node:fs/promises";
import { resolve } from "node:path";
import { diag } from "@opentelemetry/api";
import { Query } from "mingo";
import { bufferFileFamily } from "../../exporters/jsonl/buffer-file.js";
import { mergeRecord } from "../records/merge-records.js";
import { enrichRecord } from "../records/enrich-record.js";
import { recordTypeOf } from "../records/record-type.js";
import { lineMayHold, scanFieldChoice, scanStringField, textCondition, type TextCondition } from "./line-index.js";
import { dateToSeconds, mapTimeValues, normalizeLimit, normalizeProjection, normalizeSort } from "./query-normalize.js";
import { FlowceptQueryError, type CollectionName, type QueryBackend, type QueryFilter, type QueryOptions } from "./query-types.js";
import type { FlowceptRecord } from "../records/records.js";
import { errorMessage } from "../util/error-message.js";

/** Options of {@link LocalQueryBackend}. */
export interface LocalQueryBackendOptions {
  /** The store's base path (`project.dump_buffer.path`); its suffixed siblings are read too. */
  path: string;
  /** Called as the store's files are read, with the bytes read so far and the bytes to read in all. */
  onProgress?: ((bytesRead: number, bytesTotal: number) => void) | undefined;
}

type StoredRecord = FlowceptRecord & Record<string, unknown>;

interface FileState {
  offset: number;
  line: number;
}

/** One id's messages: those parsed and merged so far, and line numbers not parsed yet (in file order). */
interface Entry {
  record?: StoredRecord;
  pending?: number[];
}

/** Most ids have one message: its line number is kept as is, with no object around it. */
type Slot = number | Entry;

const CHUNK = 16 * 1024 * 1024;
const ID_FIELD: Record<string, [CollectionName, string]> = {
  task: ["tasks", "task_id"],
  workflow: ["workflows", "workflow_id"],
  agent: ["agents", "agent_id"],
  object: ["objects", "object_id"],
};
const TYPES = Object.keys(ID_FIELD);
/** mingo's defaults run `$where` / `$function` code; queries here never do. */
const QUERY_OPTIONS = { scriptEnabled: false };
const SLOTS = TYPES.map((t) => ID_FIELD[t]!);

/** Queries over the JSONL local store, merged by id as MongoDB would store it. */
export class LocalQueryBackend implements QueryBackend {
  readonly kind = "local" as const;
  /** The store's base path (absolute). */
  readonly path: string;
  private tables = LocalQueryBackend.emptyTables();
  private files = new Map<string, FileState>();
  /** Text read so far, by chunk; lines not parsed yet are located in it. */
  private chunks: string[] = [];
  private lineChunk: Uint32Array<ArrayBuffer> = new Uint32Array(1024);
  private lineStart: Uint32Array<ArrayBuffer> = new Uint32Array(1024);
  private lineEnd: Uint32Array<ArrayBuffer> = new Uint32Array(1024);
  private lines = 0;
  private readonly onProgress: LocalQueryBackendOptions["onProgress"];
  private progress = { done: 0, total: 0 };

  constructor(options: LocalQueryBackendOptions) {
    this.path = resolve(options.path);
    this.onProgress = options.onProgress;
  }

  describe(): string {
    return this.path;
  }

  private static emptyTables(): Record<CollectionName, Map<string, Slot>> {
    return { tasks: new Map(), workflows: new Map(), agents: new Map(), objects: new Map() };
  }

  async find(collection: CollectionName, filter: QueryFilter, options: QueryOptions): Promise<Record<string, unknown>[]> {
    const projection = normalizeProjection(options.projection);
    const sort = normalizeSort(options.sort);
    const limit = normalizeLimit(options.limit);
    const localFilter = mapTimeValues(filter, dateToSeconds);
    let query: Query;
    try {
      query = new Query(localFilter, QUERY_OPTIONS);
    } catch (err) {
      throw new FlowceptQueryError(`invalid filter ${safeJson(filter)}: ${errorMessage(err)}`);
    }
    await this.refresh();
    const conditions = requiredConditions(localFilter);
    const matched: StoredRecord[] = [];
    try {
      const table = this.tables[collection];
      for (const [id, slot] of table) {
        if (conditions.length) {
          if (typeof slot === "number" ? !this.lineMayMatch(slot, conditions) : !slot.record && !this.mayMatch(slot.pending!, conditions)) continue;
        }
        let entry: Entry;
        if (typeof slot === "number") table.set(id, (entry = { pending: [slot] }));
        else entry = slot;
        const r = this.materialize(entry);
        if (r && query.test(r)) matched.push(r);
      }
    } catch (err) {
      throw new FlowceptQueryError(`invalid filter ${safeJson(filter)}: ${errorMessage(err)}`);
    }
    let rows: Record<string, unknown>[] = matched;
    if (sort || limit || projection) {
      let cursor = new Query({}, QUERY_OPTIONS).find<Record<string, unknown>>(matched, projection);
      if (sort) cursor = cursor.sort(sort);
      if (limit) cursor = cursor.limit(limit);
      rows = cursor.all();
    }
    // Copies, so callers cannot change what is kept for the next query; `type` is implied by the collection.
    return rows.map(withoutType);
  }

  /** Forgets what was read: the next query reads the store again. */
  async close(): Promise<void> {
    this.reset();
  }

  private reset(): void {
    this.tables = LocalQueryBackend.emptyTables();
    this.files.clear();
    this.chunks = [];
    this.lines = 0;
  }

  private lineMayMatch(n: number, conditions: TextCondition[]): boolean {
    const text = this.chunks[this.lineChunk[n]!]!;
    const start = this.lineStart[n]!;
    const end = this.lineEnd[n]!;
    for (const c of conditions) if (!lineMayHold(text, c, start, end)) return false;
    return true;
  }

  private mayMatch(lines: number[], conditions: TextCondition[]): boolean {
    for (const c of conditions) {
      let found = false;
      for (const n of lines) {
        if (lineMayHold(this.chunks[this.lineChunk[n]!]!, c, this.lineStart[n]!, this.lineEnd[n]!)) {
          found = true;
          break;
        }
      }
      if (!found) return false;
    }
    return true;
  }

  private lineText(n: number): string {
    return this.chunks[this.lineChunk[n]!]!.slice(this.lineStart[n]!, this.lineEnd[n]!);
  }

  /** Parses an entry's pending lines into its merged record. */
  private materialize(entry: Entry): StoredRecord | undefined {
    if (entry.pending) {
      for (const n of entry.pending) {
        let r: StoredRecord;
        try {
          r = JSON.parse(this.lineText(n)) as StoredRecord;
        } catch {
          diag.warn(`flowcept: ${this.path}: corrupt line skipped`);
          continue;
        }
        if (!r || typeof r !== "object" || Array.isArray(r)) continue;
        entry.record = entry.record ? mergeRecord(entry.record, r) : r;
      }
      entry.pending = undefined;
      if (entry.record) entry.record = enrichRecord(entry.record);
    }
    return entry.record;
  }

  /** Reads what was appended to the store's files since the last call. */
  private async refresh(): Promise<void> {
    const sizes: [string, number][] = [];
    for (const file of bufferFileFamily(this.path)) {
      try {
        sizes.push([file, (await stat(file)).size]);
      } catch {
        // gone since it was listed
      }
    }
    this.progress = { done: 0, total: sizes.reduce((n, [f, size]) => n + Math.max(0, size - (this.files.get(f)?.offset ?? 0)), 0) };
    if (this.progress.total > 0) this.onProgress?.(0, this.progress.total);
    for (const [file, size] of sizes) {
      let state = this.files.get(file);
      if (state && size < state.offset) {
        // Rewritten, not appended: start over for every file.
        this.reset();
        await this.refresh();
        return;
      }
      if (!state) this.files.set(file, (state = { offset: 0, line: 1 }));
      if (size > state.offset) await this.readFrom(file, state, size);
    }
  }

  private async readFrom(file: string, state: FileState, size: number): Promise<void> {
    const fh = await open(file, "r");
    try {
      let pos = state.offset;
      let carry = "";
      const buf = Buffer.allocUnsafe(CHUNK);
      while (pos < size) {
        const { bytesRead } = await fh.read(buf, 0, Math.min(CHUNK, size - pos), pos);
        if (bytesRead <= 0) break;
        pos += bytesRead;
        this.progress.done += bytesRead;
        this.onProgress?.(this.progress.done, this.progress.total);
        // Cut at the last newline so no UTF-8 character is split.
        const lastNl = buf.lastIndexOf(10, bytesRead - 1);
        if (lastNl === -1) {
          carry += buf.toString("utf8", 0, bytesRead);
          continue;
        }
        const text = carry + buf.toString("utf8", 0, lastNl + 1);
        carry = buf.toString("utf8", lastNl + 1, bytesRead);
        this.ingest(text, file, state);
        state.offset = pos - Buffer.byteLength(carry);
      }
      // A last line without its newline may be a write in progress: read it next time.
    } finally {
      await fh.close();
    }
  }

  private addLine(chunk: number, start: number, end: number): number {
    if (this.lines === this.lineStart.length) {
      const grow = (a: Uint32Array): Uint32Array<ArrayBuffer> => {
        const b = new Uint32Array(a.length * 2);
        b.set(a);
        return b;
      };
      this.lineChunk = grow(this.lineChunk);
      this.lineStart = grow(this.lineStart);
      this.lineEnd = grow(this.lineEnd);
    }
    const n = this.lines++;
    this.lineChunk[n] = chunk;
    this.lineStart[n] = start;
    this.lineEnd[n] = end;
    return n;
  }

  /** Files each line under its record's id; only lines whose type or id the text does not tell plainly are parsed. */
  private ingest(text: string, file: string, state: FileState): void {
    const chunk = this.chunks.length;
    this.chunks.push(text);
    let start = 0;
    for (;;) {
      const end = text.indexOf("\n", start);
      if (end === -1) break;
      const lineStart = start;
      start = end + 1;
      const lineNo = state.line++;
      if (end === lineStart) continue;
      const t = scanFieldChoice(text, "type", TYPES, lineStart, end);
      let slot = t === -1 ? undefined : SLOTS[t];
      let id = slot ? scanStringField(text, slot[1], lineStart, end) : undefined;
      if (!slot || id === undefined) {
        const line = text.slice(lineStart, end);
        if (!line.trim()) continue;
        let r: StoredRecord;
        try {
          r = JSON.parse(line) as StoredRecord;
        } catch {
          diag.warn(`flowcept: ${file}:${lineNo}: corrupt line skipped`);
          continue;
        }
        if (!r || typeof r !== "object") continue;
        const type = recordTypeOf(r);
        slot = type === undefined ? undefined : ID_FIELD[type];
        if (!slot) continue;
        const rid = r[slot[1]];
        if (typeof rid !== "string") continue;
        id = rid;
      }
      const n = this.addLine(chunk, lineStart, end);
      const table = this.tables[slot[0]];
      const entry = table.get(id);
      if (entry === undefined) table.set(id, n);
      else if (typeof entry === "number") table.set(id, { pending: [entry, n] });
      else if (entry.pending) entry.pending.push(n);
      else entry.pending = [n];
    }
  }
}

/**
 * Conditions some message of a record must meet for the record to match:
 * the filter's top-level string equalities (and `$in` of strings), also
 * inside `$and`. A record none of whose lines can meet one of them is ruled
 * out without parsing it; every other record is parsed and tested by mingo.
 */
function requiredConditions(filter: QueryFilter): TextCondition[] {
  const out: TextCondition[] = [];
  for (const [k, v] of Object.entries(filter)) {
    if (k === "$and" && Array.isArray(v)) {
      for (const sub of v) if (sub && typeof sub === "object" && !Array.isArray(sub)) out.push(...requiredConditions(sub as QueryFilter));
      continue;
    }
    if (k.startsWith("$") || k.includes(".")) continue;
    let values: unknown[] | undefined;
    if (typeof v === "string") values = [v];
    else if (v && typeof v === "object" && !Array.isArray(v)) {
      const ops = Object.keys(v);
      if (ops.length === 1 && ops[0] === "$eq") values = [(v as { $eq: unknown }).$eq];
      else if (ops.length === 1 && ops[0] === "$in" && Array.isArray((v as { $in: unknown }).$in)) values = (v as { $in: unknown[] }).$in;
    }
    const c = values && textCondition(k, values);
    if (c) out.push(c);
  }
  return out;
}

function withoutType(r: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k in r) if (k !== "type") out[k] = r[k];
  return structuredClone(out);
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}
