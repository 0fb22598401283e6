/**
 * `telemetry_summary`: what changed between a task's two telemetry
 * snapshots, with the field names of Flowcept's enrichment
 * (`summarize_telemetry`), which Flowcept computes when a task has both
 * `telemetry_at_start` and `telemetry_at_end`.
 */
import type { JsonObject, JsonValue } from "./records.js";
import { round } from "../util/round.js";

type Path = readonly string[];

function at(obj: JsonValue | undefined, path: Path): JsonValue | undefined {
  let cur: JsonValue | undefined = obj;
  for (const key of path) {
    if (typeof cur !== "object" || cur === null || Array.isArray(cur)) return undefined;
    cur = cur[key];
  }
  return cur;
}

function numberAt(obj: JsonValue | undefined, path: Path): number | undefined {
  const v = at(obj, path);
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

// Float noise (0.1 + 0.2) would otherwise show in differences of CPU seconds.
const DIGITS = 6;

/** [output field, path inside the block] for each difference, per block (Flowcept's fields first). */
const DIFFS: Record<string, [string, Path][]> = {
  cpu: [
    ["percent_all_diff", ["percent_all"]],
    ["user_time_diff", ["times_avg", "user"]],
    ["system_time_diff", ["times_avg", "system"]],
    ["idle_time_diff", ["times_avg", "idle"]],
  ],
  memory: [
    ["used_mem_diff", ["virtual", "used"]],
    ["percent_diff", ["virtual", "percent"]],
    ["swap_used_diff", ["swap", "used"]],
  ],
  disk: [
    ["read_bytes_diff", ["io_sum", "read_bytes"]],
    ["write_bytes_diff", ["io_sum", "write_bytes"]],
    ["read_count_diff", ["io_sum", "read_count"]],
    ["write_count_diff", ["io_sum", "write_count"]],
  ],
  network: [
    ["bytes_sent_diff", ["netio_sum", "bytes_sent"]],
    ["bytes_recv_diff", ["netio_sum", "bytes_recv"]],
    ["packets_sent_diff", ["netio_sum", "packets_sent"]],
    ["packets_recv_diff", ["netio_sum", "packets_recv"]],
  ],
  process: [
    ["user_time_diff", ["cpu_times", "user"]],
    ["system_time_diff", ["cpu_times", "system"]],
    ["rss_diff", ["memory", "rss"]],
    ["heap_used_diff", ["memory", "heap_used"]],
  ],
};

function blockSummary(name: string, start: JsonValue, end: JsonValue, durationSec: number | undefined): JsonObject | undefined {
  const out: JsonObject = {};
  for (const [field, path] of DIFFS[name]!) {
    const a = numberAt(start, path);
    const b = numberAt(end, path);
    if (a !== undefined && b !== undefined) out[field] = round(b - a, DIGITS);
  }
  if (name === "process") {
    const user = out.user_time_diff;
    const system = out.system_time_diff;
    if (typeof user === "number" && typeof system === "number" && durationSec !== undefined && durationSec > 0) {
      out.cpu_percent = round(((user + system) / durationSec) * 100, 1);
    }
  } else {
    // How far apart the two background samples were: 0 means both snapshots
    // came from the same sample, so every difference above is 0 by construction.
    const a = numberAt(start, ["sampled_at"]);
    const b = numberAt(end, ["sampled_at"]);
    if (a !== undefined && b !== undefined && Object.keys(out).length > 0) out.sampled_window_sec = round(b - a, 3);
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * The `telemetry_summary` of a task: `duration_sec` (when given) and, for
 * each of `cpu`, `memory`, `disk`, `network` present in both snapshots,
 * Flowcept's end − start differences (`percent_all_diff`, `user_time_diff`,
 * `used_mem_diff`, `read_bytes_diff`, `bytes_sent_diff`, …). Fields that
 * either snapshot lacks are left out rather than guessed.
 *
 * Beyond Flowcept: sampled blocks carry `sampled_window_sec` (the time
 * between the two background samples the differences come from), and a
 * `process` block gives this process's `user_time_diff`, `system_time_diff`,
 * `rss_diff`, `heap_used_diff` and, with a duration, its `cpu_percent` over
 * the task. GPU snapshots are not summarised (as in Flowcept).
 *
 * Never throws; malformed snapshots give an empty or partial summary.
 */
export function telemetrySummary(start: JsonObject, end: JsonObject, durationSec?: number): JsonObject {
  const summary: JsonObject = {};
  const duration = typeof durationSec === "number" && Number.isFinite(durationSec) ? durationSec : undefined;
  if (duration !== undefined) summary.duration_sec = duration;
  for (const name of Object.keys(DIFFS)) {
    const a = at(start, [name]);
    const b = at(end, [name]);
    if (a === undefined || b === undefined) continue;
    const block = blockSummary(name, a, b, duration);
    if (block) summary[name] = block;
  }
  return summary;
}
