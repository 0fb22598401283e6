import type { TaskRecord } from "../../lib/records/records.js";
import type { AdapterCounters } from "./adapter-counters.js";
import type { AdapterKind } from "./adapter-config.js";

/** What one scan of a source found. */
export interface SourceScan {
  /** Task records for what changed since the last committed scan. */
  records: TaskRecord[];
  /** True when the source's state changed (something was read), so it is worth saving. */
  changed: boolean;
  /** Marks `records` as delivered; called only once the sink accepted them. */
  commit(): void;
}

/**
 * A watched data source (a TensorBoard logdir, an MLflow store). It reads
 * incrementally, keeps what it needs in a JSON-serialisable state, and never
 * throws from `scan` for a bad file (it logs through `diag` and skips).
 */
export interface AdapterSource {
  readonly kind: AdapterKind;
  /** Absolute path of what is watched. */
  readonly target: string;
  /** Reads what is new. */
  scan(counters: AdapterCounters): Promise<SourceScan>;
  /** The state to persist, as plain JSON. */
  exportState(): unknown;
  /** Restores a persisted state; returns false (and keeps a fresh state) when it does not fit. */
  importState(state: unknown): boolean;
}

/** The persisted state every source keeps: a version, the watched path, and what it knows per run. */
export interface SourceState<Run> {
  version: 1;
  /** Absolute path the state was made for. */
  target: string;
  runs: Record<string, Run>;
}

/** A fresh {@link SourceState}. */
export function newSourceState<Run>(target: string): SourceState<Run> {
  return { version: 1, target, runs: {} };
}

/** True when `state` (read from a state file) is a {@link SourceState} made for `target`. */
export function isSourceStateFor(state: unknown, target: string): boolean {
  const s = state as Partial<SourceState<unknown>> | null;
  return !!s && s.version === 1 && s.target === target && typeof s.runs === "object" && s.runs !== null;
}
