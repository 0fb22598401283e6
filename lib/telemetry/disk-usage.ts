/**
 * Filesystem usage through `statfs(2)` (Node's `fs.statfs`): no child process,
 * on every platform Node supports.
 */
import { statfs } from "node:fs/promises";
import { parse } from "node:path";
import type { JsonObject } from "../records/records.js";
import { round } from "../util/round.js";

/** The path Flowcept reports usage for: `/`, or the current drive's root on Windows. */
export function defaultDiskPath(): string {
  return process.platform === "win32" ? parse(process.cwd()).root : "/";
}

/**
 * psutil's `disk_usage()`: `free` is what unprivileged users may still use,
 * `used` excludes the blocks reserved for root, and `percent` is relative to
 * what users can reach (`used / (used + free)`), one decimal.
 */
export async function diskUsage(path: string = defaultDiskPath()): Promise<JsonObject> {
  const s = await statfs(path);
  const total = s.blocks * s.bsize;
  const free = s.bavail * s.bsize;
  const used = total - s.bfree * s.bsize;
  const reachable = used + free;
  return { total, used, free, percent: reachable > 0 ? round((used / reachable) * 100, 1) : 0 };
}
