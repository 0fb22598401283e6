/**
 * Lineage over the local store. The lineage index of the whole store is
 * kept beside it (`<store>.lineage-index`, see {@link writeColumnsFile}) with
 * where each task's lines are, and is used as long as the store's files are
 * the ones it was built from (same names, sizes and modification times) and
 * the rule is the same; otherwise it is built again from the files: a first
 * pass counts each task's messages, a second merges them (as a database
 * would) and indexes each task once it is whole. A store in a directory that
 * cannot be written to gets its index in memory only.
 */
import { open, stat } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { diag } from "@opentelemetry/api";
import { bufferFileFamily } from "../../exporters/jsonl/buffer-file.js";
import { mergeRecord } from "../records/merge-records.js";
import type { FlowceptRecord } from "../records/records.js";
import { errorMessage } from "../util/error-message.js";
import { ColumnsFileError, readColumnsFile, writeColumnsFile, type Column } from "./columns-file.js";
import { LINEAGE_COLUMNS, LineageIndex, type LineageColumns } from "./LineageIndex.js";
import { LineageIndexBuilder } from "./LineageIndexBuilder.js";
import { ruleFingerprint, type LineageRule } from "./lineage-rule.js";
import type { LineageProgress } from "./lineage-types.js";
import type { LineageSource } from "./lineage-walk.js";
import { lineRecordId, typeOfCollection } from "./line-record-id.js";

/** Options of {@link LocalLineageSource.open}. */
export interface LocalLineageOptions {
  /** The store's base path; its suffixed siblings are read too. */
  path: string;
  rule: LineageRule;
  /** Where the index is kept. Default `<path>.lineage-index`. */
  indexPath?: string | undefined;
  onProgress?: LineageProgress | undefined;
}

interface StoreFile {
  name: string;
  size: number;
  mtimeMs: number;
}

/** Where a task's lines are: CSR over tasks of (file, byte offset, byte length). */
interface Locations {
  locOff: Uint32Array;
  locFile: Uint32Array;
  locPos: Float64Array;
  locLen: Uint32Array;
}

const FORMAT = 2;
const CHUNK = 16 * 1024 * 1024;
const TASK = typeOfCollection("tasks");

/** The lineage index of a local store and the reading of its records. */
export class LocalLineageSource implements LineageSource {
  private constructor(
    readonly index: LineageIndex,
    private readonly path: string,
    private readonly files: readonly StoreFile[],
    private readonly loc: Locations,
    private readonly where: string,
  ) {}

  /** The store's index: read from beside the store when up to date, else built (and kept there when it can be). */
  static async open(options: LocalLineageOptions): Promise<LocalLineageSource> {
    const path = resolve(options.path);
    const indexPath = options.indexPath ?? `${path}.lineage-index`;
    const files = await storeFiles(path);
    const fingerprint = ruleFingerprint(options.rule);
    const loaded = files.length ? loadIndex(indexPath, files, fingerprint, options.rule) : undefined;
    if (loaded) return new LocalLineageSource(loaded.index, path, files, loaded.loc, path);
    const built = await buildIndex(path, files, options.rule, options.onProgress);
    if (files.length) {
      try {
        writeColumnsFile(indexPath, { format: FORMAT, fingerprint, rule: options.rule, files, strings: built.index.strings }, { ...built.index.columns, ...built.loc });
      } catch (err) {
        diag.warn(`flowcept: cannot keep the lineage index at ${indexPath} (${errorMessage(err)}); it is held in memory for this process only`);
      }
    }
    return new LocalLineageSource(built.index, path, files, built.loc, path);
  }

  /** Whether the store's files are still the ones this index was built from. */
  async isCurrent(): Promise<boolean> {
    return sameFiles(await storeFiles(this.path), this.files);
  }

  describe(): string {
    return this.where;
  }

  async records(tasks: readonly number[], onProgress?: LineageProgress): Promise<Map<number, Record<string, unknown>>> {
    const { locOff, locFile, locPos, locLen } = this.loc;
    const wanted: number[] = [];
    for (const t of tasks) for (let k = locOff[t]!; k < locOff[t + 1]!; k++) wanted.push(k);
    wanted.sort((a, b) => locFile[a]! - locFile[b]! || locPos[a]! - locPos[b]!);
    const texts = new Map<number, string>();
    let done = 0;
    for (let i = 0; i < wanted.length; ) {
      const f = locFile[wanted[i]!]!;
      const fh = await open(join(dirname(this.path), this.files[f]!.name), "r");
      try {
        // Lines close together are read in one go.
        while (i < wanted.length && locFile[wanted[i]!] === f) {
          const from = locPos[wanted[i]!]!;
          let j = i;
          let to = from + locLen[wanted[i]!]!;
          while (j + 1 < wanted.length && locFile[wanted[j + 1]!] === f && locPos[wanted[j + 1]!]! - to < 65536 && locPos[wanted[j + 1]!]! + locLen[wanted[j + 1]!]! - from < CHUNK) {
            j++;
            to = Math.max(to, locPos[wanted[j]!]! + locLen[wanted[j]!]!);
          }
          const buf = Buffer.allocUnsafe(to - from);
          const { bytesRead } = await fh.read(buf, 0, buf.length, from);
          for (let k = i; k <= j; k++) {
            const at = locPos[wanted[k]!]! - from;
            if (at + locLen[wanted[k]!]! <= bytesRead) texts.set(wanted[k]!, buf.toString("utf8", at, at + locLen[wanted[k]!]!));
          }
          done += j - i + 1;
          onProgress?.("reading records", done, wanted.length);
          i = j + 1;
        }
      } finally {
        await fh.close();
      }
    }
    const out = new Map<number, Record<string, unknown>>();
    for (const t of tasks) {
      let merged: FlowceptRecord | undefined;
      for (let k = locOff[t]!; k < locOff[t + 1]!; k++) {
        const text = texts.get(k);
        if (text === undefined) continue;
        try {
          const r = JSON.parse(text) as FlowceptRecord;
          merged = merged ? mergeRecord(merged, r) : r;
        } catch {
          diag.warn(`flowcept: ${this.where}: a line of task ${this.index.taskId(t)} no longer parses`);
        }
      }
      if (merged) out.set(t, merged);
    }
    return out;
  }
}

async function storeFiles(path: string): Promise<StoreFile[]> {
  const out: StoreFile[] = [];
  for (const file of bufferFileFamily(path)) {
    try {
      const s = await stat(file);
      out.push({ name: basename(file), size: s.size, mtimeMs: s.mtimeMs });
    } catch {
      // gone since it was listed
    }
  }
  return out;
}

function sameFiles(a: readonly StoreFile[], b: readonly StoreFile[]): boolean {
  return a.length === b.length && a.every((f, i) => f.name === b[i]!.name && f.size === b[i]!.size && f.mtimeMs === b[i]!.mtimeMs);
}

/** The index kept at `indexPath` when it is whole and matches the store and the rule. */
function loadIndex(indexPath: string, files: StoreFile[], fingerprint: string, rule: LineageRule): { index: LineageIndex; loc: Locations } | undefined {
  let read: ReturnType<typeof readColumnsFile>;
  try {
    read = readColumnsFile(indexPath);
  } catch (err) {
    if (err instanceof ColumnsFileError) diag.warn(`flowcept: ${errorMessage(err)}; building the lineage index again`);
    return undefined;
  }
  const h = read.header;
  if (h.format !== FORMAT || h.fingerprint !== fingerprint || !Array.isArray(h.files) || !sameFiles(h.files as StoreFile[], files) || !Array.isArray(h.strings)) return undefined;
  const cols = read.columns as unknown as LineageColumns & Locations;
  if (!wellFormed(cols, (h.strings as unknown[]).length, files.length)) {
    diag.warn(`flowcept: ${indexPath} is inconsistent; building the lineage index again`);
    return undefined;
  }
  const { locOff, locFile, locPos, locLen } = cols;
  return { index: new LineageIndex(cols, h.strings as string[], rule), loc: { locOff, locFile, locPos, locLen } };
}

const KINDS: Record<string, new (n: number) => Column> = { Int32Array, Uint32Array, Float64Array, Uint8Array, Uint16Array };
const EXPECTED: Record<string, string> = {
  parent: "Int32Array",
  group: "Int32Array",
  workflow: "Int32Array",
  campaign: "Int32Array",
  scope: "Int32Array",
  activity: "Int32Array",
  status: "Int32Array",
  hostname: "Int32Array",
  started: "Float64Array",
  ended: "Float64Array",
  idOff: "Uint32Array",
  idBytes: "Uint8Array",
  idSorted: "Int32Array",
  childOff: "Uint32Array",
  child: "Int32Array",
  memberOff: "Uint32Array",
  member: "Int32Array",
  valOff: "Uint32Array",
  valHi: "Uint32Array",
  valLo: "Uint32Array",
  valRole: "Uint8Array",
  valKey: "Int32Array",
  valTask: "Int32Array",
  gen: "Int32Array",
  use: "Int32Array",
  locOff: "Uint32Array",
  locFile: "Uint32Array",
  locPos: "Float64Array",
  locLen: "Uint32Array",
};

/** Lengths, offsets and numbers in range: what the walk relies on, so that a damaged or hostile file cannot mislead it. */
function wellFormed(c: LineageColumns & Locations, strings: number, files: number): boolean {
  const cols = c as unknown as Record<string, Column | undefined>;
  for (const [name, type] of Object.entries(EXPECTED)) if (!(cols[name] instanceof KINDS[type]!)) return false;
  if (LINEAGE_COLUMNS.some((name) => !cols[name])) return false;
  const n = c.parent.length;
  const perTask = [c.group, c.workflow, c.campaign, c.scope, c.activity, c.status, c.hostname, c.started, c.ended, c.idSorted];
  if (perTask.some((a) => a.length !== n)) return false;
  const csr = (off: Uint32Array, list: { length: number }): boolean => {
    if (off.length !== n + 1 || off[0] !== 0 || off[n] !== list.length) return false;
    for (let i = 0; i < n; i++) if (off[i]! > off[i + 1]!) return false;
    return true;
  };
  if (!csr(c.idOff, c.idBytes) || !csr(c.childOff, c.child) || !csr(c.memberOff, c.member) || !csr(c.valOff, c.valHi) || !csr(c.locOff, c.locFile)) return false;
  const inRange = (a: Int32Array, lo: number, hi: number): boolean => {
    for (let i = 0; i < a.length; i++) if (a[i]! < lo || a[i]! >= hi) return false;
    return true;
  };
  const v = c.valHi.length;
  if (c.valLo.length !== v || c.valRole.length !== v || c.valKey.length !== v || c.valTask.length !== v) return false;
  if (![c.parent, c.group, c.child, c.member, c.valTask, c.idSorted].every((a) => inRange(a, a === c.parent || a === c.group ? -1 : 0, n))) return false;
  if (![c.gen, c.use].every((a) => inRange(a, 0, v))) return false;
  if (![c.workflow, c.campaign, c.scope, c.activity, c.status, c.hostname, c.valKey].every((a) => inRange(a, -1, strings))) return false;
  if (c.locPos.length !== c.locFile.length || c.locLen.length !== c.locFile.length) return false;
  for (let i = 0; i < c.locFile.length; i++) if (c.locFile[i]! >= files) return false;
  return true;
}

/** Calls `onLine` for every whole line of the first `size` bytes of `file`: the line is `buf[start, end)`, at byte offset `pos` of the file. */
async function eachLine(file: string, size: number, onLine: (buf: Buffer, start: number, end: number, pos: number) => void, onBytes: (n: number) => void): Promise<void> {
  const fh = await open(file, "r");
  try {
    const buf = Buffer.allocUnsafe(CHUNK);
    let filled = 0;
    let base = 0; // file offset of buf[0]
    while (base + filled < size) {
      const { bytesRead } = await fh.read(buf, filled, Math.min(CHUNK - filled, size - base - filled), base + filled);
      if (bytesRead <= 0) break;
      filled += bytesRead;
      onBytes(bytesRead);
      let start = 0;
      for (let nl = buf.indexOf(10, start); nl !== -1 && nl < filled; nl = buf.indexOf(10, start)) {
        if (nl > start) onLine(buf, start, nl, base + start);
        start = nl + 1;
      }
      if (start === 0 && filled === CHUNK) {
        // One line longer than the buffer: read it whole.
        const end = await lineEnd(fh, base + filled, size);
        if (end >= size) break; // a torn last line
        const long = Buffer.allocUnsafe(end - base);
        await fh.read(long, 0, long.length, base);
        onBytes(long.length - filled);
        onLine(long, 0, long.length, base);
        base = end + 1;
        filled = 0;
        continue;
      }
      buf.copy(buf, 0, start, filled);
      base += start;
      filled -= start;
    }
    // A last line without its newline may be a write in progress: not indexed.
  } finally {
    await fh.close();
  }
}

async function lineEnd(fh: Awaited<ReturnType<typeof open>>, from: number, size: number): Promise<number> {
  const probe = Buffer.allocUnsafe(1 << 20);
  for (let at = from; at < size; at += probe.length) {
    const { bytesRead } = await fh.read(probe, 0, Math.min(probe.length, size - at), at);
    const nl = probe.subarray(0, bytesRead).indexOf(10);
    if (nl !== -1) return at + nl;
    if (bytesRead <= 0) break;
  }
  return size;
}

async function buildIndex(path: string, files: StoreFile[], rule: LineageRule, onProgress?: LineageProgress): Promise<{ index: LineageIndex; loc: Locations }> {
  const fileOf = (f: StoreFile): string => join(dirname(path), f.name);
  const total = 2 * files.reduce((n, f) => n + f.size, 0);
  let done = 0;
  const step = `indexing ${path}`;
  const bytes = (n: number): void => {
    done += n;
    onProgress?.(step, done, total);
  };

  // Pass 1: how many messages each task has.
  const counts = new Map<string, number>();
  for (const f of files) {
    await eachLine(fileOf(f), f.size, (buf, start, end) => {
      const ref = lineRecordId(buf, start, end, TASK, fileOf(f));
      if (ref) counts.set(ref.id, (counts.get(ref.id) ?? 0) + 1);
    }, bytes);
  }

  // Pass 2: whole tasks into the index, with where their lines are.
  const builder = new LineageIndexBuilder(rule);
  const locTask: number[] = [];
  const locFile: number[] = [];
  const locPos: number[] = [];
  const locLen: number[] = [];
  const pending = new Map<string, { record: FlowceptRecord; lines: [number, number, number][]; left: number }>();
  const add = (record: FlowceptRecord, lines: [number, number, number][]): void => {
    const t = builder.add(record as FlowceptRecord & { task_id: string });
    for (const [file, pos, len] of lines) {
      locTask.push(t);
      locFile.push(file);
      locPos.push(pos);
      locLen.push(len);
    }
  };
  for (let fi = 0; fi < files.length; fi++) {
    const f = files[fi]!;
    await eachLine(fileOf(f), f.size, (buf, start, end, pos) => {
      const len = end - start;
      let r: FlowceptRecord;
      try {
        r = JSON.parse(buf.toString("utf8", start, end)) as FlowceptRecord;
      } catch {
        return;
      }
      if (!r || typeof r !== "object" || r.type !== "task" || typeof r.task_id !== "string") return;
      const id = r.task_id;
      if ((counts.get(id) ?? 1) <= 1) {
        add(r, [[fi, pos, len]]);
        return;
      }
      const p = pending.get(id);
      if (!p) {
        pending.set(id, { record: r, lines: [[fi, pos, len]], left: counts.get(id)! - 1 });
        return;
      }
      p.record = mergeRecord(p.record, r);
      p.lines.push([fi, pos, len]);
      if (--p.left === 0) {
        pending.delete(id);
        add(p.record, p.lines);
      }
    }, bytes);
  }
  for (const p of pending.values()) add(p.record, p.lines);
  onProgress?.(step, total, total);

  const index = builder.build();
  const n = index.size;
  const order = Int32Array.from(locTask.keys()).sort((a, b) => locTask[a]! - locTask[b]! || a - b);
  const locOff = new Uint32Array(n + 1);
  for (const t of locTask) locOff[t + 1]!++;
  for (let i = 0; i < n; i++) locOff[i + 1]! += locOff[i]!;
  return {
    index,
    loc: {
      locOff,
      locFile: Uint32Array.from(order, (k) => locFile[k]!),
      locPos: Float64Array.from(order, (k) => locPos[k]!),
      locLen: Uint32Array.from(order, (k) => locLen[k]!),
    },
  };
}
