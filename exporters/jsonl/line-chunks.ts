/**
 * Reading a JSON Lines file as a sequence of runs of whole lines, a few MiB
 * each, so no file is ever held as one string (V8 caps strings at 512 MiB)
 * and memory does not grow with the file. A line is never split (nor a
 * UTF-8 character); a last line without its newline comes last, on its own,
 * so readers can tell a torn write.
 */
import { closeSync, openSync, readSync } from "node:fs";
import { open } from "node:fs/promises";

const CHUNK = 4 * 1024 * 1024;

/** Whole lines of a file, as bytes. */
export interface LineBytes {
  /** Lines, each ending with a newline — except a torn last line, which comes alone. Valid until the next chunk is read. */
  bytes: Buffer;
  /** Byte offset in the file just after `bytes`. */
  end: number;
  /** `bytes` is the part of a last line after which nothing was written (yet). */
  torn: boolean;
}

/** Whole lines of a file, as text. */
export interface LineChunk {
  /** Lines, each ending with a newline — except a torn last line, which comes alone. */
  text: string;
  /** Byte offset in the file just after `text`. */
  end: number;
  /** `text` is the part of a last line after which nothing was written (yet). */
  torn: boolean;
}

/**
 * Reads a file into one buffer, a chunk at a time, and hands out the whole
 * lines; the part of a line a chunk ends with is moved to the front of the
 * buffer and completed by the next read (the buffer grows for a longer line).
 */
class LineReader {
  private buf = Buffer.allocUnsafe(CHUNK);
  /** Bytes of an unfinished line: at the front of `buf`, or from `pendingMove` until {@link settle}. */
  private carry = 0;
  private pendingMove = 0;

  constructor(private offset: number) {}

  /** Where the next read goes, and how much room it has. */
  room(): { target: Buffer; at: number; size: number } {
    if (this.carry > this.buf.length / 2) {
      const bigger = Buffer.allocUnsafe(this.buf.length * 2);
      this.buf.copy(bigger, 0, 0, this.carry);
      this.buf = bigger;
    }
    return { target: this.buf, at: this.carry, size: this.buf.length - this.carry };
  }

  /** Takes `got` bytes just read into {@link room}; the whole lines they complete, or undefined. */
  took(got: number): LineBytes | undefined {
    const filled = this.carry + got;
    const nl = this.buf.lastIndexOf(10, filled - 1);
    if (nl === -1) {
      this.carry = filled;
      return undefined;
    }
    // Handed out as a copy-free view: valid until the next read moves the rest to the front.
    const bytes = this.buf.subarray(0, nl + 1);
    this.offset += nl + 1;
    const chunk = { bytes, end: this.offset, torn: false };
    this.carry = filled - (nl + 1);
    this.pendingMove = nl + 1;
    return chunk;
  }

  /** Moves the unfinished line to the front (after the last chunk handed out was used). */
  settle(): void {
    if (this.pendingMove > 0) {
      this.buf.copy(this.buf, 0, this.pendingMove, this.pendingMove + this.carry);
      this.pendingMove = 0;
    }
  }

  /** What is left after the last newline (a torn last line), or undefined. */
  rest(): LineBytes | undefined {
    this.settle();
    if (this.carry === 0) return undefined;
    const bytes = Buffer.from(this.buf.subarray(0, this.carry));
    this.offset += this.carry;
    this.carry = 0;
    return { bytes, end: this.offset, torn: true };
  }
}

function asText(c: LineBytes): LineChunk {
  return { text: c.bytes.toString("utf8"), end: c.end, torn: c.torn };
}

/** The file's whole lines from byte `start`, as bytes, chunk by chunk (synchronous); a torn last line last. */
export function* lineBytesSync(path: string, start = 0): Generator<LineBytes> {
  const fd = openSync(path, "r");
  try {
    const reader = new LineReader(start);
    let pos = start;
    for (;;) {
      reader.settle();
      const { target, at, size } = reader.room();
      const got = readSync(fd, target, at, size, pos);
      if (got <= 0) break;
      pos += got;
      const chunk = reader.took(got);
      if (chunk !== undefined) yield chunk;
    }
    const rest = reader.rest();
    if (rest !== undefined) yield rest;
  } finally {
    closeSync(fd);
  }
}

/** The file's whole lines from byte `start` up to byte `end` (default: its size when read), as bytes; a torn last line last. */
export async function* lineBytes(path: string, start = 0, end = Number.POSITIVE_INFINITY): AsyncGenerator<LineBytes> {
  const fh = await open(path, "r");
  try {
    const reader = new LineReader(start);
    let pos = start;
    while (pos < end) {
      reader.settle();
      const { target, at, size } = reader.room();
      const { bytesRead } = await fh.read(target, at, Math.min(size, end - pos), pos);
      if (bytesRead <= 0) break;
      pos += bytesRead;
      const chunk = reader.took(bytesRead);
      if (chunk !== undefined) yield chunk;
    }
    const rest = reader.rest();
    if (rest !== undefined) yield rest;
  } finally {
    await fh.close();
  }
}

/** {@link lineBytesSync} as text. */
export function* lineChunksSync(path: string, start = 0): Generator<LineChunk> {
  for (const c of lineBytesSync(path, start)) yield asText(c);
}

/** {@link lineBytes} as text. */
export async function* lineChunks(path: string, start = 0, end = Number.POSITIVE_INFINITY): AsyncGenerator<LineChunk> {
  for await (const c of lineBytes(path, start, end)) yield asText(c);
}
