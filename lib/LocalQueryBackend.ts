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
import { bufferFileFamily } from "./buffer-file.js";
import { mergeRecord } from "./merge-records.js";
import { pairNeedles, scanStringField } from "./line-index.js";
import { dateToSeconds, mapTimeValues, normalizeLimit, normalizeProjection, normalizeSort } from "./query-normalize.js";
import { FlowceptQueryError, type CollectionName, type QueryBackend, type QueryFilter, type QueryOptions } from "./query-types.js";
import type { FlowceptRecord } from "./records.js";

/** Options of {@link LocalQueryBackend}. */
export interface LocalQueryBackendOptions {
  /** The store's base path (`project.dump_buffer.path`); its suffixed siblings are read too. */
  path: string;
}

type StoredRecord = FlowceptRecord & Record<string, unknown>;

interface FileState {
  offset: number;
  line: number;
}

/** One id's messages: those parsed and merged so far, and lines not parsed yet (in file order). */
interface Entry {
  record?: StoredRecord;
  pending?: string[];
}

const CHUNK = 16 * 1024 * 1024;
const ID_FIELD: Record<string, [CollectionName, string]> = {
  task: ["tasks", "task_id"],
  workflow: ["workflows", "workflow_id"],
  agent: ["agents", "agent_id"],
  object: ["objects", "object_id"],
};

export class LocalQueryBackend implements QueryBackend {
  readonly kind = "local" as const;
  /** The store's base path (absolute). */
  readonly path: string;
  private tables = LocalQueryBackend.emptyTables();
  private files = new Map<string, FileState>();

  constructor(options: LocalQueryBackendOptions) {
    this.path = resolve(options.path);
  }

  private static emptyTables(): Record<CollectionName, Map<string, Entry>> {
    return { tasks: new Map(), workflows: new Map(), agents: new Map(), objects: new Map() };
  }

  async find(collection: CollectionName, filter: QueryFilter, options: QueryOptions): Promise<Record<string, unknown>[]> {
    const projection = normalizeProjection(options.projection);
    const sort = normalizeSort(options.sort);
    const limit = normalizeLimit(options.limit);
    const localFilter = mapTimeValues(filter, dateToSeconds);
    let query: Query;
    try {
      query = new Query(localFilter, {});
    } catch (err) {
      throw new FlowceptQueryError(`invalid filter ${safeJson(filter)}: ${(err as Error).message}`);
    }
    await this.refresh();
    const needles = requiredNeedles(localFilter);
    const matched: StoredRecord[] = [];
    try {
      for (const entry of this.tables[collection].values()) {
        if (needles.length && !entry.record && !mayMatch(entry.pending!, needles)) continue;
        const r = this.materialize(entry);
        if (r && query.test(r)) matched.push(r);
      }
    } catch (err) {
      throw new FlowceptQueryError(`invalid filter ${safeJson(filter)}: ${(err as Error).message}`);
    }
    let rows: Record<string, unknown>[] = matched;
    if (sort || limit || projection) {
      let cursor = new Query({}, {}).find<Record<string, unknown>>(matched, projection);
      if (sort) cursor = cursor.sort(sort);
      if (limit) cursor = cursor.limit(limit);
      rows = cursor.all();
    }
    // Copies, so callers cannot change what is kept for the next query; `type` is implied by the collection.
    return rows.map(withoutType);
  }

  async close(): Promise<void> {
    this.tables = LocalQueryBackend.emptyTables();
    this.files.clear();
  }

  /** Parses an entry's pending lines into its merged record. */
  private materialize(entry: Entry): StoredRecord | undefined {
    if (entry.pending) {
      for (const line of entry.pending) {
        let r: StoredRecord;
        try {
          r = JSON.parse(line) as StoredRecord;
        } catch {
          diag.warn(`flowcept: ${this.path}: corrupt line skipped`);
          continue;
        }
        if (!r || typeof r !== "object" || Array.isArray(r)) continue;
        entry.record = entry.record ? mergeRecord(entry.record, r) : r;
      }
      entry.pending = undefined;
    }
    return entry.record;
  }

  /** Reads what was appended to the store's files since the last call. */
  private async refresh(): Promise<void> {
    const family = bufferFileFamily(this.path);
    for (const file of family) {
      let size: number;
      try {
        size = (await stat(file)).size;
      } catch {
        continue;
      }
      let state = this.files.get(file);
      if (state && size < state.offset) {
        // Rewritten, not appended: start over for every file.
        this.tables = LocalQueryBackend.emptyTables();
        this.files.clear();
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

  /** Files each line under its record's id, parsing only lines whose type or id the text does not tell plainly. */
  private ingest(text: string, file: string, state: FileState): void {
    let start = 0;
    for (;;) {
      const nl = text.indexOf("\n", start);
      if (nl === -1) break;
      const line = text.slice(start, nl);
      start = nl + 1;
      const n = state.line++;
      if (!line.trim()) continue;
      let type = scanStringField(line, "type");
      let slot = type === undefined ? undefined : ID_FIELD[type];
      let id = slot ? scanStringField(line, slot[1]) : undefined;
      if (!slot || id === undefined) {
        let r: StoredRecord;
        try {
          r = JSON.parse(line) as StoredRecord;
        } catch {
          diag.warn(`flowcept: ${file}:${n}: corrupt line skipped`);
          continue;
        }
        if (!r || typeof r !== "object") continue;
        type = r.type as string;
        slot = ID_FIELD[type];
        if (!slot) continue;
        const rid = r[slot[1]];
        if (typeof rid !== "string") continue;
        id = rid;
      }
      const table = this.tables[slot[0]];
      const entry = table.get(id);
      if (!entry) table.set(id, { pending: [line] });
      else if (entry.pending) entry.pending.push(line);
      else entry.pending = [line];
    }
  }
}

/**
 * Texts that must occur in some message of a record for it to match: one
 * group per top-level string equality (or `$in` of strings) of the filter,
 * also inside `$and`. Any group whose texts appear in none of a record's
 * lines rules the record out without parsing it.
 */
function requiredNeedles(filter: QueryFilter): string[][] {
  const groups: string[][] = [];
  for (const [k, v] of Object.entries(filter)) {
    if (k === "$and" && Array.isArray(v)) {
      for (const sub of v) if (sub && typeof sub === "object" && !Array.isArray(sub)) groups.push(...requiredNeedles(sub as QueryFilter));
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
    if (!values || !values.length) continue;
    const group: string[] = [];
    for (const x of values) {
      const n = pairNeedles(k, x);
      if (!n) {
        group.length = 0;
        break;
      }
      group.push(...n);
    }
    if (group.length) groups.push(group);
  }
  return groups;
}

function mayMatch(lines: string[], needles: string[][]): boolean {
  for (const group of needles) {
    let found = false;
    for (const line of lines) {
      for (const n of group) {
        if (line.includes(n)) {
          found = true;
          break;
        }
      }
      if (found) break;
    }
    if (!found) return false;
  }
  return true;
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
