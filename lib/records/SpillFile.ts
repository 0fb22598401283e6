/**
 * A spill file: records waiting for MongoDB, as JSON Lines (readable with
 * `readBufferFile`). Appends are synchronous, so a spill is on disk before
 * the exporter reports the records durable and survives a process exit.
 *
 * Names tell who owns a file: `spill-<host>-<pid>-<stamp>.jsonl` belongs to
 * a running process; a file whose process is gone, or released with pid 0
 * (`spill-<host>-0-<stamp>.jsonl`), can be claimed by another process, which
 * renames it to its own pid (rename is atomic, so only one claimer wins).
 */
import { randomBytes } from "node:crypto";
import { closeSync, fstatSync, mkdirSync, openSync, readdirSync, readSync, renameSync, rmSync, writeSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { diag } from "@opentelemetry/api";
import type { FlowceptRecord } from "./records.js";
import { errorMessage } from "../util/error-message.js";
import { HOST_IN_FILE_NAMES, processAlive } from "../process/file-owner.js";

const NAME = /^spill-(.+)-(\d+)-(\d+-[0-9a-f]+)\.jsonl$/;
const READ_CHUNK = 4 * 1024 * 1024;

/** What {@link SpillFile.readNext} returns. */
export interface SpillChunk {
  records: FlowceptRecord[];
  /** Byte offset just after the last line read; pass to {@link SpillFile.advance} once written. */
  end: number;
}

/** One spill file: synchronous appends, chunked reads from the last written offset, claim and release by rename. */
export class SpillFile {
  private fd: number | undefined;
  private offset = 0;
  private size: number;
  /** The file ends with part of a line (a write that failed half-way). */
  private torn = false;

  private constructor(public path: string) {
    this.fd = openSync(path, "a+");
    this.size = fstatSync(this.fd).size;
  }

  /** A new spill file owned by this process in `dir` (created if needed). */
  static create(dir: string): SpillFile {
    const abs = resolve(dir);
    mkdirSync(abs, { recursive: true });
    const stamp = `${Date.now()}-${randomBytes(4).toString("hex")}`;
    return new SpillFile(join(abs, `spill-${HOST_IN_FILE_NAMES}-${process.pid}-${stamp}.jsonl`));
  }

  /**
   * Claims the spill files in `dir` whose owner is gone (same host, process
   * not running) or that were released, oldest first. With `all`, files of
   * live processes and other hosts are taken too (an operator's replay).
   */
  static claimOrphans(dir: string, all = false): SpillFile[] {
    const abs = resolve(dir);
    let names: string[];
    try {
      names = readdirSync(abs);
    } catch {
      return [];
    }
    const host = HOST_IN_FILE_NAMES;
    const found: { name: string; stamp: string }[] = [];
    for (const name of names) {
      const m = NAME.exec(name);
      if (!m) continue;
      const [, fileHost, pidText, stamp] = m as unknown as [string, string, string, string];
      const pid = Number(pidText);
      const orphan = pid === 0 || (fileHost === host && pid !== process.pid && !processAlive(pid));
      if (orphan || (all && pid !== process.pid)) found.push({ name, stamp });
    }
    found.sort((a, b) => (a.stamp < b.stamp ? -1 : a.stamp > b.stamp ? 1 : 0));
    const out: SpillFile[] = [];
    for (const { name, stamp } of found) {
      const target = join(abs, `spill-${host}-${process.pid}-${stamp}.jsonl`);
      try {
        renameSync(join(abs, name), target);
        out.push(new SpillFile(target));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ENOENT") diag.warn(`flowcept: cannot claim spill file ${name}: ${errorMessage(err)}`);
      }
    }
    return out;
  }

  /** The name a spill file at `path` takes when its owner releases it (pid 0). */
  static releasedPath(path: string): string {
    const abs = resolve(path);
    const m = NAME.exec(basename(abs));
    return m ? join(dirname(abs), `spill-${m[1]}-0-${m[3]}.jsonl`) : abs;
  }

  /** True while some records have not been read and written yet. */
  get pending(): boolean {
    return this.offset < this.size;
  }

  /** Bytes not yet written to the database. */
  get pendingBytes(): number {
    return this.size - this.offset;
  }

  /** Appends records synchronously. Throws when the disk refuses. */
  append(records: readonly FlowceptRecord[]): void {
    if (!records.length) return;
    let text = "";
    for (const r of records) text += `${JSON.stringify(r)}\n`;
    this.appendText(text);
  }

  /** Appends JSON lines already serialised (each ending with a newline) synchronously. Throws when the disk refuses. */
  appendText(text: string): void {
    if (this.fd === undefined) throw new Error(`spill file ${this.path} is closed`);
    if (!text) return;
    const buf = Buffer.from(this.torn ? `\n${text}` : text, "utf8");
    let done = 0;
    try {
      while (done < buf.length) done += writeSync(this.fd, buf, done, buf.length - done);
    } finally {
      // After a partial write the next line starts on a line of its own.
      this.size += done;
      this.torn = done > 0 ? buf[done - 1] !== 10 : this.torn;
    }
  }

  /**
   * Reads up to `max` records after the last {@link advance}. A last line
   * without its newline in a file nobody appends to any more is a torn
   * write: it is skipped with a warning (its records were never reported
   * durable). Corrupt lines are skipped likewise.
   */
  readNext(max: number, owned = true): SpillChunk {
    const records: FlowceptRecord[] = [];
    if (this.fd === undefined || !this.pending) return { records, end: this.offset };
    let pos = this.offset;
    let carry = Buffer.alloc(0);
    while (records.length < max && pos < this.size) {
      const want = Math.min(READ_CHUNK, this.size - pos);
      const buf = Buffer.allocUnsafe(want);
      const got = readSync(this.fd, buf, 0, want, pos);
      if (got <= 0) break;
      pos += got;
      const data = carry.length ? Buffer.concat([carry, buf.subarray(0, got)]) : buf.subarray(0, got);
      let start = 0;
      let consumedTo = -1;
      while (records.length < max) {
        const nl = data.indexOf(10, start);
        if (nl === -1) break;
        if (nl > start) this.parseLine(data.toString("utf8", start, nl), records);
        start = nl + 1;
        consumedTo = start;
      }
      if (records.length >= max) return { records, end: pos - data.length + consumedTo };
      carry = data.subarray(start);
      if (pos >= this.size && carry.length) {
        if (!owned) {
          diag.warn(`flowcept: ${this.path}: incomplete last line (${carry.length} bytes) skipped`);
          return { records, end: this.size };
        }
        return { records, end: pos - carry.length };
      }
    }
    return { records, end: pos - carry.length };
  }

  private parseLine(line: string, into: FlowceptRecord[]): void {
    try {
      const v = JSON.parse(line) as unknown;
      if (v && typeof v === "object" && !Array.isArray(v)) into.push(v as FlowceptRecord);
      else diag.warn(`flowcept: ${this.path}: a line that is not a record was skipped`);
    } catch {
      diag.warn(`flowcept: ${this.path}: corrupt line skipped`);
    }
  }

  /** Marks everything before `end` as written. */
  advance(end: number): void {
    this.offset = Math.max(this.offset, end);
  }

  /** Closes the file, deleting it when everything was written; otherwise releases it for others to claim. */
  close(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
    if (!this.pending) {
      rmSync(this.path, { force: true });
      return;
    }
    if (this.offset > 0) this.compact();
    const released = SpillFile.releasedPath(this.path);
    try {
      renameSync(this.path, released);
      this.path = released;
    } catch (err) {
      diag.warn(`flowcept: cannot release spill file ${this.path}: ${errorMessage(err)}`);
    }
  }

  /** Drops the part already written, so a later replay does not send it again. */
  private compact(): void {
    const tmp = `${this.path}.tmp`;
    const src = openSync(this.path, "r");
    const dst = openSync(tmp, "w");
    try {
      const buf = Buffer.allocUnsafe(READ_CHUNK);
      let pos = this.offset;
      for (;;) {
        const got = readSync(src, buf, 0, buf.length, pos);
        if (got <= 0) break;
        writeSync(dst, buf, 0, got);
        pos += got;
      }
    } finally {
      closeSync(src);
      closeSync(dst);
    }
    renameSync(tmp, this.path);
    this.size -= this.offset;
    this.offset = 0;
  }
}
