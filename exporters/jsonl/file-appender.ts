/**
 * Appends to JSONL files through one file descriptor per path for the whole
 * process, with synchronous whole-batch writes: lines of concurrent writers
 * never interleave, the write order is the call order, and the same call
 * works inside `process.on("exit")`.
 */
import { closeSync, mkdirSync, openSync, writeSync } from "node:fs";
import { dirname } from "node:path";

const fds = new Map<string, number>();
const truncatedOnce = new Set<string>();

/**
 * Appends `text` to `path` (created with its folder when missing). With
 * `truncateFirst`, the file is emptied the first time this process opens it
 * (Flowcept's `delete_previous_file`). Throws on I/O errors.
 */
export function appendToFile(path: string, text: string, truncateFirst = false): void {
  let fd = fds.get(path);
  if (fd === undefined) {
    mkdirSync(dirname(path), { recursive: true });
    const truncate = truncateFirst && !truncatedOnce.has(path);
    fd = openSync(path, truncate ? "w" : "a");
    truncatedOnce.add(path);
    fds.set(path, fd);
  }
  const written = writeSync(fd, text);
  // Regular files take the whole string; a short write (full disk, quota) resumes from the bytes written.
  const total = Buffer.byteLength(text);
  if (written < total) {
    const buf = Buffer.from(text, "utf8");
    let off = written;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
  }
}

/** Closes the descriptor kept for `path` (or for every path). The next append reopens it. */
export function closeFile(path?: string): void {
  for (const [p, fd] of fds) {
    if (path !== undefined && p !== path) continue;
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
    fds.delete(p);
  }
}
