/**
 * Appends to JSONL files through one file descriptor per path for the whole
 * process, with synchronous whole-batch writes: lines of concurrent writers
 * never interleave, the write order is the call order, and the same call
 * works inside `process.on("exit")`. A file that does not end with a newline
 * (a writer died mid-line, a disk filled up) gets one before the next line,
 * so a torn line never swallows a whole one; a file removed while open is
 * written anew rather than into the removed copy.
 */
import { closeSync, fstatSync, ftruncateSync, mkdirSync, openSync, readSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { diag } from "@opentelemetry/api";
import { errorMessage } from "../../lib/util/error-message.js";
import { otherWriters, registerWriter, unregisterWriter } from "./writer-registry.js";

interface OpenFile {
  fd: number;
  /** The file does not end with a newline. */
  needsNewline: boolean;
  /** A regular file (listed in the writer registry). */
  registered: boolean;
}

const files = new Map<string, OpenFile>();
const NEWLINE = Buffer.from("\n");
const openedOnce = new Set<string>();
let exitHook = false;

/** An append that failed: the first `written` bytes of the text reached the file, the rest did not. */
export class AppendError extends Error {
  override readonly name = "AppendError";
  constructor(
    readonly path: string,
    readonly written: number,
    readonly code: string,
    cause: unknown,
  ) {
    super(errorMessage(cause), { cause });
  }
}

function codeOf(err: unknown): string {
  return (err as NodeJS.ErrnoException | undefined)?.code ?? "EIO";
}

function endsWithoutNewline(fd: number, size: number): boolean {
  if (size === 0) return false;
  const b = Buffer.alloc(1);
  try {
    return readSync(fd, b, 0, 1, size - 1) === 1 && b[0] !== 10;
  } catch {
    return false; // not readable (a device): nothing to mend
  }
}

function openFile(path: string, truncateFirst: boolean): OpenFile {
  let fd: number;
  try {
    mkdirSync(dirname(path), { recursive: true });
    fd = openSync(path, "a+");
  } catch (err) {
    throw new AppendError(path, 0, codeOf(err), err);
  }
  const first = !openedOnce.has(path);
  openedOnce.add(path);
  const st = fstatSync(fd);
  const registered = st.isFile();
  if (registered) {
    registerWriter(path);
    if (!exitHook) {
      exitHook = true;
      process.once("exit", () => closeFile());
    }
  }
  let size = st.size;
  if (truncateFirst && first && registered && size > 0) {
    const others = otherWriters(path);
    if (others.length) {
      diag.warn(`flowcept: ${path} is not emptied (delete_previous_file): other processes are writing it (${others.join(", ")}); appending`);
    } else {
      ftruncateSync(fd, 0);
      size = 0;
    }
  }
  return { fd, needsNewline: endsWithoutNewline(fd, size), registered };
}

/**
 * Appends `text` (whole lines) to `path`, created with its folder when
 * missing. With `truncateFirst`, the file is emptied the first time this
 * process opens it — unless another live process is writing it (see
 * `writer-registry.ts`). Throws an {@link AppendError} telling how many bytes
 * of `text` were written before the failure.
 */
export function appendToFile(path: string, text: string | Uint8Array, truncateFirst = false): void {
  let f = files.get(path);
  if (f !== undefined && fstatSync(f.fd).nlink === 0) {
    diag.warn(`flowcept: ${path} was removed while open; writing a new file`);
    closeFile(path);
    f = undefined;
  }
  f ??= openFile(path, truncateFirst);
  files.set(path, f);
  const lead = f.needsNewline ? 1 : 0;
  const bytes = typeof text === "string" ? Buffer.from(text, "utf8") : text;
  const data = lead ? Buffer.concat([NEWLINE, bytes]) : bytes;
  let done = 0;
  try {
    // A short write (full disk, quota) resumes from the bytes written.
    while (done < data.length) done += writeSync(f.fd, data, done, data.length - done);
  } catch (err) {
    if (done > 0) f.needsNewline = data[done - 1] !== 10;
    throw new AppendError(path, Math.max(0, done - lead), codeOf(err), err);
  }
  f.needsNewline = false;
}

/** Closes the descriptor kept for `path` (or for every path). The next append reopens it. */
export function closeFile(path?: string): void {
  for (const [p, f] of files) {
    if (path !== undefined && p !== path) continue;
    try {
      closeSync(f.fd);
    } catch {
      // already closed
    }
    if (f.registered) unregisterWriter(p);
    files.delete(p);
  }
}
