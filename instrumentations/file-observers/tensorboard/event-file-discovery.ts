/**
 * Finds TensorBoard event files under a logdir, grouped by run directory
 * (the directory that holds them), as TensorBoard does: a file is an event
 * file when its name contains `tfevents`.
 */
import { basename, dirname, join, relative } from "node:path";
import { diag } from "@opentelemetry/api";
import { listDirQuiet, statQuiet } from "../fs-probe.js";

/** Event files found under a logdir. */
export interface EventFileLayout {
  /** Directory the run paths are relative to. */
  base: string;
  /** Run path (relative to `base`, `"."` for `base` itself) → event file names, sorted. */
  runs: Map<string, string[]>;
}

/** Deeper directories are not searched (and symbolic links are not followed), so a loop cannot trap the scan. */
const MAX_DEPTH = 16;

/** True for a TensorBoard event file name. */
export function isEventFileName(name: string): boolean {
  return name.includes("tfevents");
}

/**
 * Lists the event files under `root` (a logdir, or one event file). Returns
 * `undefined` when `root` does not exist (yet).
 */
export function findEventFiles(root: string): EventFileLayout | undefined {
  const rootStat = statQuiet(root);
  if (!rootStat) return undefined;
  if (rootStat.isFile()) {
    return { base: dirname(root), runs: new Map([[".", [basename(root)]]]) };
  }
  const found: Array<[string, string[]]> = [];
  const walk = (dir: string, depth: number): void => {
    const entries = listDirQuiet(dir);
    if (!entries) {
      diag.debug(`flowcept tensorboard adapter: cannot list ${dir}`);
      return;
    }
    const files = entries.filter((e) => e.isFile() && isEventFileName(e.name)).map((e) => e.name).sort();
    if (files.length) found.push([relative(root, dir) || ".", files]);
    if (depth >= MAX_DEPTH) return;
    for (const e of entries) if (e.isDirectory()) walk(join(dir, e.name), depth + 1);
  };
  walk(root, 0);
  found.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return { base: root, runs: new Map(found) };
}
