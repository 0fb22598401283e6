/**
 * Which ids of the local store have more than one message (a workflow's
 * start and end, a task interrupted at exit, a span delivered twice), with
 * an upper bound of their count, in memory that does not grow with the
 * store: a Bloom filter of every id seen, and exact counts only for the ids
 * seen again. The store is append-only, so what was counted is kept and only
 * bytes appended since are read on the next update; a file that shrank or
 * was replaced is counted again from the start.
 */
import { stat } from "node:fs/promises";
import { lineBytes } from "../../exporters/jsonl/line-chunks.js";
import { BloomFilter } from "./BloomFilter.js";
import { lineRecordId, RECORD_TYPES } from "./line-record-id.js";

/** Bytes per line assumed when sizing the filter (real lines are longer: it errs on the large side). */
const BYTES_PER_LINE_ESTIMATE = 256;

/** A file of the store and how many of its bytes a query reads. */
export interface StoreFile {
  path: string;
  size: number;
  ino: number;
}

/** See the file header. */
export class RepeatedIds {
  private seen: BloomFilter | undefined;
  /** Bytes the filter was sized for; far more than that and it is built again. */
  private sizedFor = 0;
  private readonly counts = RECORD_TYPES.map(() => new Map<string, number>());
  /** Per file: its inode and the bytes counted (up to a line end). */
  private readonly counted = new Map<string, { ino: number; end: number; line: number }>();
  private updating: Promise<void> = Promise.resolve();

  /** The store's files with their sizes now, in the store's order. */
  static async files(paths: readonly string[]): Promise<StoreFile[]> {
    const out: StoreFile[] = [];
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

  /** Bytes of `files` not counted yet (about: a file counted again from the start counts whole). */
  uncounted(files: readonly StoreFile[]): number {
    let n = 0;
    for (const f of files) {
      const c = this.counted.get(f.path);
      n += c && c.ino === f.ino && f.size >= c.end ? f.size - c.end : f.size;
    }
    return n;
  }

  /**
   * Counts what `files` hold beyond what was counted before, telling
   * `onBytes` the bytes read (one update at a time: queries may run together).
   */
  update(files: readonly StoreFile[], onBytes?: (n: number) => void): Promise<void> {
    const run = this.updating.then(() => this.countNew(files, onBytes));
    this.updating = run.catch(() => undefined);
    return run;
  }

  private async countNew(files: readonly StoreFile[], onBytes?: (n: number) => void): Promise<void> {
    const bytes = files.reduce((n, f) => n + f.size, 0);
    const stale = [...this.counted].some(([path, c]) => {
      const f = files.find((x) => x.path === path);
      return !f || f.ino !== c.ino || f.size < c.end;
    });
    if (!this.seen || stale || bytes > this.sizedFor * 4) this.reset(bytes);
    for (const f of files) {
      const c = this.counted.get(f.path) ?? { ino: f.ino, end: 0, line: 1 };
      this.counted.set(f.path, c);
      if (f.size <= c.end) continue;
      for await (const chunk of lineBytes(f.path, c.end, f.size)) {
        onBytes?.(chunk.bytes.length);
        // A torn last line is counted once it is whole.
        if (chunk.torn) break;
        c.line = this.countLines(chunk.bytes, f.path, c.line);
        c.end = chunk.end;
      }
    }
  }

  /** For an id of type `RECORD_TYPES[type]` seen more than once: at least how many messages it has. */
  count(type: number, id: string): number | undefined {
    return this.counts[type]!.get(id);
  }

  private reset(bytes: number): void {
    this.sizedFor = Math.max(bytes, 1 << 20);
    this.seen = new BloomFilter(Math.ceil(this.sizedFor / BYTES_PER_LINE_ESTIMATE) * 2);
    for (const m of this.counts) m.clear();
    this.counted.clear();
  }

  /** Counts the ids of whole lines; reports corrupt ones (each line is counted once). Returns the next line number. */
  private countLines(buf: Buffer, file: string, line: number): number {
    const seen = this.seen!;
    for (let start = 0; start < buf.length; line++) {
      const end = buf.indexOf(10, start);
      if (end === -1) break;
      const ref = lineRecordId(buf, start, end, -1, file, line);
      start = end + 1;
      if (!ref || !seen.add(ref.id, ref.type)) continue;
      const counts = this.counts[ref.type]!;
      const n = counts.get(ref.id);
      counts.set(ref.id, (n ?? 1) + 1);
    }
    return line;
  }
}
