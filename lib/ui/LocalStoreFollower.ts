/**
 * Follows the local store (the JSONL buffer file and its suffixed
 * siblings) as it grows: everything is read once, then only the bytes
 * appended since the last look, every `intervalMillis`. A last line
 * without its newline is a write in progress and is read when it is whole.
 * A file that shrank was rewritten and is read again from its start.
 */
import { open, stat } from "node:fs/promises";
import { resolve } from "node:path";
import { diag } from "@opentelemetry/api";
import { errorMessage } from "../util/error-message.js";
import { bufferFileFamily, parseJsonLines } from "../../exporters/jsonl/buffer-file.js";
import type { RecordsListener, StoreFollower } from "./StoreFollower.js";

/** Options of {@link LocalStoreFollower}. */
export interface LocalStoreFollowerOptions {
  /** The store's base path. */
  path: string;
  /** How often the files are looked at. Default 250 ms. */
  intervalMillis?: number | undefined;
}

const CHUNK = 8 * 1024 * 1024;

interface FileState {
  offset: number;
  carry: Buffer;
}

/** See the file header. */
export class LocalStoreFollower implements StoreFollower {
  readonly mode = "local store (incremental reads)";
  readonly path: string;
  private readonly interval: number;
  private readonly files = new Map<string, FileState>();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private reading: Promise<void> | undefined;
  private listener: RecordsListener | undefined;
  private read = 0;
  private total = 0;
  private initial = true;

  constructor(options: LocalStoreFollowerOptions) {
    this.path = resolve(options.path);
    this.interval = options.intervalMillis ?? 250;
  }

  get progress(): number {
    return this.initial ? (this.total ? Math.min(1, this.read / this.total) : 0) : 1;
  }

  async start(onRecords: RecordsListener): Promise<void> {
    this.listener = onRecords;
    await this.poll();
    this.initial = false;
    this.schedule();
  }

  private schedule(): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      this.reading = this.poll()
        .catch((err: unknown) => diag.warn(`flowcept ui: cannot read ${this.path}: ${errorMessage(err)}`))
        .finally(() => this.schedule());
    }, this.interval);
    this.timer.unref();
  }

  /** Reads what was appended since the last call. */
  private async poll(): Promise<void> {
    const sizes: [string, number][] = [];
    for (const file of bufferFileFamily(this.path)) {
      try {
        sizes.push([file, (await stat(file)).size]);
      } catch {
        // gone since it was listed
      }
    }
    if (this.initial) this.total = sizes.reduce((n, [, s]) => n + s, 0);
    for (const [file, size] of sizes) {
      if (this.closed) return;
      let state = this.files.get(file);
      if (!state) this.files.set(file, (state = { offset: 0, carry: Buffer.alloc(0) }));
      if (size < state.offset) {
        state.offset = 0;
        state.carry = Buffer.alloc(0);
      }
      if (size > state.offset) await this.readFrom(file, state, size);
    }
  }

  private async readFrom(file: string, state: FileState, size: number): Promise<void> {
    const fh = await open(file, "r");
    try {
      const buf = Buffer.allocUnsafe(CHUNK);
      while (state.offset < size && !this.closed) {
        const { bytesRead } = await fh.read(buf, 0, Math.min(CHUNK, size - state.offset), state.offset);
        if (bytesRead <= 0) break;
        state.offset += bytesRead;
        if (this.initial) this.read += bytesRead;
        const bytes = state.carry.length ? Buffer.concat([state.carry, buf.subarray(0, bytesRead)]) : buf.subarray(0, bytesRead);
        const cut = bytes.lastIndexOf(10);
        if (cut === -1) {
          state.carry = Buffer.from(bytes);
          continue;
        }
        state.carry = Buffer.from(bytes.subarray(cut + 1));
        const records: Record<string, unknown>[] = [];
        parseJsonLines(bytes.toString("utf8", 0, cut + 1), file, (r) => records.push(r));
        if (records.length) this.listener?.(records, !this.initial);
        // Long reads give way to requests.
        await new Promise((r) => setImmediate(r));
      }
    } finally {
      await fh.close();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await this.reading?.catch(() => undefined);
  }
}
