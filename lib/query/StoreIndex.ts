/**
 * The query index of the local store, kept beside it (`<store>.query-index`,
 * a columns file): for every line holding a record, where it is (file, byte
 * offset and length), its record type, a hash of its id, and the workflow,
 * activity and status its bytes name (see `line-index.ts`; -1 when they do
 * not name them plainly). Queries read only the lines that may match and
 * parse only those; a line whose id has several messages, or whose fields
 * are unknown, is always read, so results are those of a full scan.
 *
 * The index is used as long as each file is the one it was built from (same
 * inode, not shorter, the same first and last indexed bytes); bytes appended
 * since are indexed on the next query. Any doubt builds it again. The file is
 * written atomically; a store whose folder cannot be written to keeps its
 * index in memory for the process.
 */
import { open, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { crc32 } from "node:zlib";
import { diag } from "@opentelemetry/api";
import { lineBytes } from "../../exporters/jsonl/line-chunks.js";
import { errorMessage } from "../util/error-message.js";
import { ColumnsFileError, readColumnsFile, writeColumnsFile, type Column } from "./columns-file.js";
import { scanTopLevelStrings } from "./line-index.js";
import { isCorruptLine, lineRecordId, reportCorruptLine } from "./line-record-id.js";

/** Fields whose value is kept per line (as a code into the index's strings). */
export const INDEXED_FIELDS = ["workflow_id", "activity_id", "status"] as const;
export type IndexedField = (typeof INDEXED_FIELDS)[number];
const FIELD_KEYS = INDEXED_FIELDS.map((f) => Buffer.from(f, "latin1"));

const FORMAT = 2;
/** Distinct values kept; beyond it new values are "unknown" (their lines are always read). */
const MAX_STRINGS = 200_000;
/** Bytes of each end of a file compared to tell it is the one indexed. */
const PROBE = 4096;
const UNKNOWN = -1;
/** Corrupt lines kept to be reported again by the processes that read the index. */
const MAX_CORRUPT = 1000;

/** A file of the store as indexed. */
interface IndexedFile {
  name: string;
  ino: number;
  /** Bytes indexed: up to the end of the last whole line. */
  end: number;
  /** The number of the next line (for warnings). */
  line: number;
  /** Hash of the first and last {@link PROBE} bytes before `end`. */
  probe: number;
}

/** The per-line columns. */
interface Lines {
  file: Uint16Array;
  pos: Float64Array;
  len: Uint32Array;
  type: Uint8Array;
  idHash: Uint32Array;
  workflow_id: Int32Array;
  activity_id: Int32Array;
  status: Int32Array;
}

const COLUMN_TYPES = {
  file: Uint16Array,
  pos: Float64Array,
  len: Uint32Array,
  type: Uint8Array,
  idHash: Uint32Array,
  workflow_id: Int32Array,
  activity_id: Int32Array,
  status: Int32Array,
} as const;
type ColumnName = keyof Lines;
const COLUMN_NAMES = Object.keys(COLUMN_TYPES) as ColumnName[];

/** FNV-1a of a record's type and id (the key messages are merged by). */
export function idHash(type: number, id: string): number {
  let h = (0x811c9dc5 ^ type) >>> 0;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function bytesHash(buf: Uint8Array, h = 0x811c9dc5): number {
  for (let i = 0; i < buf.length; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
  return h >>> 0;
}

/** A store file now: name (in the store's folder), inode and size. */
export interface StoreFileNow {
  path: string;
  ino: number;
  size: number;
}

/** The files of the store as they are now, in the store's order. */
export async function storeFilesNow(paths: readonly string[]): Promise<StoreFileNow[]> {
  const out: StoreFileNow[] = [];
  for (const path of paths) {
    try {
      const st = await stat(path);
      out.push({ path, size: st.size, ino: st.ino });
    } catch {
      // removed meanwhile
    }
  }
  return out;
}

/** Hash of the first and last bytes of `[0, end)` of a file. */
async function probeOf(path: string, end: number): Promise<number> {
  const fh = await open(path, "r");
  try {
    const head = Buffer.alloc(Math.min(PROBE, end));
    await fh.read(head, 0, head.length, 0);
    const tail = Buffer.alloc(Math.min(PROBE, end));
    await fh.read(tail, 0, tail.length, end - tail.length);
    return bytesHash(tail, bytesHash(head));
  } finally {
    await fh.close();
  }
}

/**
 * A consistent view of the index: the lines, their strings, and how many
 * messages each line's id has (its copies; more than one only for ids seen
 * again, or sharing a hash with another).
 */
export class IndexView {
  private table: { keys: Uint32Array; counts: Uint32Array; used: Uint8Array } | undefined;
  private copiesOf: Uint32Array | undefined;
  private multi: Uint32Array | undefined;
  private readonly posted = new Map<IndexedField, { offsets: Uint32Array; lines: Uint32Array; unknown: Uint32Array }>();

  constructor(
    /** Number of lines. */
    readonly size: number,
    readonly lines: Readonly<Lines>,
    readonly strings: readonly string[],
    private readonly codes: ReadonlyMap<string, number>,
    /** Paths of the store's files, by the index's file number. */
    readonly paths: readonly string[],
    /** Per file: the bytes indexed (a torn last line is after them). */
    readonly ends: readonly number[],
  ) {}

  /** The code of a string value, or undefined when no line holds it plainly. */
  code(value: string): number | undefined {
    return this.codes.get(value);
  }

  /**
   * The lines of `field` by value: `lines[offsets[code] .. offsets[code + 1])`
   * hold `code`, in store order; `unknown` the lines that do not name it plainly.
   */
  postings(field: IndexedField): { offsets: Uint32Array; lines: Uint32Array; unknown: Uint32Array } {
    let p = this.posted.get(field);
    if (p) return p;
    const col = this.lines[field];
    const offsets = new Uint32Array(this.strings.length + 2);
    let unknownCount = 0;
    for (let k = 0; k < this.size; k++) {
      const c = col[k]!;
      if (c < 0) unknownCount++;
      else offsets[c + 2]!++;
    }
    for (let c = 2; c < offsets.length; c++) offsets[c]! += offsets[c - 1]!;
    const lines = new Uint32Array(this.size - unknownCount);
    const unknown = new Uint32Array(unknownCount);
    let u = 0;
    for (let k = 0; k < this.size; k++) {
      const c = col[k]!;
      if (c < 0) unknown[u++] = k;
      else lines[offsets[c + 1]!++] = k;
    }
    p = { offsets: offsets.subarray(0, this.strings.length + 1), lines, unknown };
    this.posted.set(field, p);
    return p;
  }

  /** The lines whose id has more than one line (its messages, or ids sharing its hash), in store order. */
  multiLines(): Uint32Array {
    if (this.multi) return this.multi;
    const copies = this.copies();
    let n = 0;
    for (let k = 0; k < this.size; k++) if (copies[k]! > 1) n++;
    const out = new Uint32Array(n);
    n = 0;
    for (let k = 0; k < this.size; k++) if (copies[k]! > 1) out[n++] = k;
    return (this.multi = out);
  }

  /** How many indexed lines have the type and id of hash `h` (0 when none). */
  copiesOfHash(h: number): number {
    const t = this.counts();
    const mask = t.keys.length - 1;
    for (let i = h & mask; t.used[i]; i = (i + 1) & mask) if (t.keys[i] === h) return t.counts[i]!;
    return 0;
  }

  /** Per line: how many lines have its type and id. */
  copies(): Uint32Array {
    if (this.copiesOf) return this.copiesOf;
    const t = this.counts();
    const mask = t.keys.length - 1;
    const out = new Uint32Array(this.size);
    const { idHash: hashes } = this.lines;
    for (let k = 0; k < this.size; k++) {
      const h = hashes[k]!;
      let i = h & mask;
      while (t.keys[i] !== h) i = (i + 1) & mask;
      out[k] = t.counts[i]!;
    }
    return (this.copiesOf = out);
  }

  private counts(): { keys: Uint32Array; counts: Uint32Array; used: Uint8Array } {
    if (this.table) return this.table;
    let cap = 1024;
    while (cap < this.size * 2) cap *= 2;
    const keys = new Uint32Array(cap);
    const counts = new Uint32Array(cap);
    const used = new Uint8Array(cap);
    const mask = cap - 1;
    const { idHash: hashes } = this.lines;
    for (let k = 0; k < this.size; k++) {
      const h = hashes[k]!;
      let i = h & mask;
      while (used[i] && keys[i] !== h) i = (i + 1) & mask;
      used[i] = 1;
      keys[i] = h;
      counts[i]!++;
    }
    return (this.table = { keys, counts, used });
  }
}

/** See the file header. */
export class StoreIndex {
  private files: IndexedFile[] = [];
  private lines: Lines = allocLines(0);
  private size = 0;
  private strings: string[] = [];
  private codes = new Map<string, number>();
  /** Corrupt lines: file number and line number (reported when found, and by each process reading the index). */
  private corrupt: [number, number][] = [];
  private view: IndexView | undefined;
  private updating: Promise<IndexView> | undefined;
  private loaded = false;
  private warnedUnwritable = false;

  constructor(
    /** The store's base path (absolute). */
    readonly storePath: string,
    /** Where the index is kept. */
    readonly indexPath = `${storePath}.query-index`,
  ) {}

  /** Bytes of `files` not indexed yet (about: a file indexed again counts whole). */
  unindexed(files: readonly StoreFileNow[]): number {
    let n = 0;
    for (const f of files) {
      const c = this.files.find((x) => x.name === basename(f.path));
      n += c && c.ino === f.ino && f.size >= c.end ? f.size - c.end : f.size;
    }
    return n;
  }

  /**
   * The index brought up to date with `files` (the store's files now): read
   * from beside the store on first use, caught up with what was appended,
   * built again when in doubt, kept beside the store when it changed. One
   * update at a time: queries may run together.
   */
  update(files: readonly StoreFileNow[], onBytes?: (n: number) => void): Promise<IndexView> {
    const run = (this.updating ?? Promise.resolve(undefined)).catch(() => undefined).then(() => this.bringUpToDate(files, onBytes));
    this.updating = run;
    return run;
  }

  private async bringUpToDate(files: readonly StoreFileNow[], onBytes?: (n: number) => void): Promise<IndexView> {
    if (!this.loaded) {
      this.loaded = true;
      this.load();
    }
    if (!(await this.fits(files))) this.reset();
    let changed = false;
    for (let f = 0; f < files.length; f++) {
      const now = files[f]!;
      let c = this.files[f];
      if (!c) this.files.push((c = { name: basename(now.path), ino: now.ino, end: 0, line: 1, probe: 0 }));
      if (now.size <= c.end) continue;
      const before = c.end;
      await this.indexFile(f, now.path, c, onBytes);
      if (c.end > before) {
        c.probe = await probeOf(now.path, c.end);
        changed = true;
      }
    }
    if (changed || !this.view) this.view = new IndexView(this.size, this.lines, this.strings, this.codes, files.map((f) => f.path), this.files.map((c) => c.end));
    if (changed) this.save();
    return this.view;
  }

  /** Whether what was indexed is still a prefix of `files`: same files in the same order, none shorter or replaced. */
  private async fits(files: readonly StoreFileNow[]): Promise<boolean> {
    if (this.files.length > files.length) return false;
    for (let f = 0; f < this.files.length; f++) {
      const c = this.files[f]!;
      const now = files[f]!;
      if (c.name !== basename(now.path) || c.ino !== now.ino || now.size < c.end) return false;
      // A later file that grew would put its new lines before the next file's: index again.
      if (now.size > c.end && f < this.files.length - 1 && this.files.length > 1) return false;
      if (c.end > 0) {
        try {
          if ((await probeOf(now.path, c.end)) !== c.probe) return false;
        } catch {
          return false;
        }
      }
    }
    return true;
  }

  private reset(): void {
    this.files = [];
    this.lines = allocLines(0);
    this.size = 0;
    this.strings = [];
    this.codes = new Map();
    this.corrupt = [];
    this.view = undefined;
  }

  private async indexFile(f: number, path: string, c: IndexedFile, onBytes?: (n: number) => void): Promise<void> {
    for await (const chunk of lineBytes(path, c.end)) {
      onBytes?.(chunk.bytes.length);
      // A torn last line is indexed once it is whole.
      if (chunk.torn) break;
      this.indexLines(f, chunk.bytes, chunk.end - chunk.bytes.length, path, c);
      c.end = chunk.end;
    }
  }

  private indexLines(f: number, buf: Buffer, at: number, path: string, c: IndexedFile): void {
    let line = c.line;
    const values: (string | undefined)[] = [undefined, undefined, undefined];
    for (let start = 0; start < buf.length; line++) {
      const end = buf.indexOf(10, start);
      if (end === -1) break;
      const ref = lineRecordId(buf, start, end, -1, path, line);
      if (!ref && this.corrupt.length < MAX_CORRUPT && isCorruptLine(buf, start, end)) this.corrupt.push([f, line]);
      if (ref) {
        const k = this.size++;
        if (k >= this.lines.pos.length) this.lines = growLines(this.lines, Math.max(1024, k * 2));
        const L = this.lines;
        L.file[k] = f;
        L.pos[k] = at + start;
        L.len[k] = end - start;
        L.type[k] = ref.type;
        L.idHash[k] = idHash(ref.type, ref.id);
        if (ref.parsed) for (let i = 0; i < INDEXED_FIELDS.length; i++) values[i] = plainString(ref.parsed[INDEXED_FIELDS[i]!]);
        else scanTopLevelStrings(buf, FIELD_KEYS, start, end, values);
        L.workflow_id[k] = values[0] === undefined ? UNKNOWN : this.codeOf(values[0]);
        L.activity_id[k] = values[1] === undefined ? UNKNOWN : this.codeOf(values[1]);
        L.status[k] = values[2] === undefined ? UNKNOWN : this.codeOf(values[2]);
      }
      start = end + 1;
    }
    c.line = line;
  }

  private codeOf(value: string): number {
    let code = this.codes.get(value);
    if (code === undefined) {
      if (this.strings.length >= MAX_STRINGS) return UNKNOWN;
      code = this.strings.length;
      this.strings.push(value);
      this.codes.set(value, code);
    }
    return code;
  }

  /** Reads the index kept beside the store, if there is a readable one. */
  private load(): void {
    let read: { header: Record<string, unknown>; columns: Record<string, Column> };
    try {
      read = readColumnsFile(this.indexPath);
    } catch (err) {
      if (err instanceof ColumnsFileError) diag.debug(`flowcept: ${err.message}; the query index is built again`);
      return;
    }
    const { header, columns } = read;
    const files = header.files as IndexedFile[] | undefined;
    const strings = header.strings as string[] | undefined;
    const size = header.lines as number | undefined;
    const corrupt = header.corrupt as [number, number][] | undefined;
    if (header.format !== FORMAT || !Array.isArray(files) || !Array.isArray(strings) || !Array.isArray(corrupt) || !Number.isSafeInteger(size)) return;
    let crc = 0;
    for (const name of COLUMN_NAMES) {
      const col = columns[name];
      if (!(col instanceof COLUMN_TYPES[name]) || col.length !== size) return;
      crc = crc32(col, crc);
    }
    const lines = columns as unknown as Lines;
    if (header.crc !== crc || !consistent(lines, size!, files, strings.length)) {
      diag.debug(`flowcept: ${this.indexPath} is damaged; the query index is built again`);
      return;
    }
    this.files = files;
    this.strings = strings;
    this.codes = new Map(strings.map((s, i) => [s, i]));
    this.lines = lines;
    this.size = size!;
    this.corrupt = corrupt.filter((c) => Array.isArray(c) && files[c[0]] !== undefined && Number.isSafeInteger(c[1]));
    // Found by the process that built the index: each process reading the store hears of them once.
    for (const [f, line] of this.corrupt) reportCorruptLine(storeFileOf(this.storePath, files[f]!.name), line);
  }

  /** Keeps the index beside the store; a folder that cannot be written to leaves it in memory. */
  private save(): void {
    const columns: Record<string, Column> = {};
    let crc = 0;
    for (const name of COLUMN_NAMES) crc = crc32((columns[name] = this.lines[name].subarray(0, this.size)), crc);
    try {
      writeColumnsFile(this.indexPath, { format: FORMAT, lines: this.size, files: this.files, strings: this.strings, corrupt: this.corrupt, crc }, columns);
    } catch (err) {
      if (!this.warnedUnwritable) diag.warn(`flowcept: cannot keep the query index at ${this.indexPath} (${errorMessage(err)}); it is held in memory for this process only`);
      this.warnedUnwritable = true;
    }
  }
}

/** Whether every line of an index read from disk points inside the files it names, with known types and codes. */
function consistent(L: Lines, size: number, files: readonly IndexedFile[], strings: number): boolean {
  for (const f of files) if (!f || typeof f.name !== "string" || f.name.includes("/") || !Number.isSafeInteger(f.end) || !Number.isSafeInteger(f.line)) return false;
  for (let k = 0; k < size; k++) {
    const f = files[L.file[k]!];
    if (!f || !(L.pos[k]! >= 0 && L.pos[k]! + L.len[k]! <= f.end) || L.type[k]! > 3) return false;
    if (L.workflow_id[k]! >= strings || L.activity_id[k]! >= strings || L.status[k]! >= strings) return false;
  }
  return true;
}

/** The path of the store's file `name` (files are siblings of the store's base path). */
function storeFileOf(storePath: string, name: string): string {
  return join(dirname(storePath), name);
}

function plainString(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

function allocLines(n: number): Lines {
  const out = {} as Record<ColumnName, Column>;
  for (const name of COLUMN_NAMES) out[name] = new COLUMN_TYPES[name](n);
  return out as unknown as Lines;
}

function growLines(old: Lines, n: number): Lines {
  const out = allocLines(n);
  for (const name of COLUMN_NAMES) (out[name] as Column).set(old[name].subarray(0, Math.min(n, old[name].length)) as never);
  return out;
}
