/**
 * Change detection for the adapters: `stat` and directory listings, done
 * synchronously. Between scans nothing usually changed, and an idle scan is
 * only these calls: synchronously they cost a few microseconds each on a
 * local disk, where the promise API costs tens (a thread-pool hand-off per
 * call), which decides whether a watcher polling every 100 ms stays under 1%
 * of a CPU. Reading file contents stays asynchronous.
 */
import { readdirSync, statSync, type Dirent, type Stats } from "node:fs";

/** `stat` of a path, or `undefined` when it is missing or cannot be looked at. */
export function statQuiet(path: string): Stats | undefined {
  try {
    return statSync(path, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

/** Size, time and inode of a path as one string, or `undefined` when it is missing. */
export function statSignature(path: string): string | undefined {
  const st = statQuiet(path);
  return st ? `${st.size}:${st.mtimeMs}:${st.ino}` : undefined;
}

/** The entries of a directory, or `undefined` when it cannot be listed. */
export function listDirQuiet(path: string): Dirent[] | undefined {
  try {
    return readdirSync(path, { withFileTypes: true });
  } catch {
    return undefined;
  }
}
