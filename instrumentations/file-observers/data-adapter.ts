import type { TaskRecord } from "../../lib/records/records.js";
import type { AdapterConfig, AdapterKind } from "./adapter-config.js";
import type { AdapterCounters } from "./adapter-counters.js";

/**
 * Where an adapter delivers task records. A sink that throws or rejects
 * leaves the records undelivered: they are offered again on the next scan.
 */
export type AdapterSink = (records: TaskRecord[]) => void | Promise<void>;

/** Options of {@link createAdapter} that come from the host program rather than settings. */
export interface AdapterOptions {
  /** The enclosing workflow: every record gets this `workflow_id` (TensorBoard hparams may still name their own). */
  workflowId?: string | undefined;
  /** Stamped as `campaign_id` on every record. */
  campaignId?: string | undefined;
  /** Directory for the state file when `state_file` is not set (default `~/.flowcept/adapter_state`). */
  stateDir?: string | undefined;
}

/** A data observability adapter: watches what another tool writes and turns it into task records. */
export interface DataAdapter {
  readonly kind: AdapterKind;
  /** Absolute path of what is watched. */
  readonly target: string;
  readonly config: AdapterConfig;
  /** The state file in use, if state is persisted. */
  readonly stateFile: string | undefined;
  /** What was read so far. */
  readonly counters: Readonly<AdapterCounters>;
  /** True between {@link start} and {@link stop}. */
  readonly watching: boolean;
  /** Begins watching: a scan now, then one every `watch_interval_sec` (the timer does not keep the process alive). */
  start(): this;
  /** Runs one scan, delivers its records to the sink, and returns them. Never rejects. */
  scanOnce(): Promise<TaskRecord[]>;
  /** Stops watching: waits for a scan in progress, runs a last scan, and leaves no timer behind. A second call waits for the first. */
  stop(): Promise<void>;
}
