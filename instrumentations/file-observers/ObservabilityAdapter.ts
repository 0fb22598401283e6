import { diag } from "@opentelemetry/api";
import type { TaskRecord } from "../../lib/records/records.js";
import type { AdapterConfig, AdapterKind } from "./adapter-config.js";
import { newAdapterCounters, type AdapterCounters } from "./adapter-counters.js";
import type { AdapterSource } from "./adapter-source.js";
import { loadStateFile, saveStateFile } from "./adapter-state-file.js";
import type { AdapterSink, DataAdapter } from "./data-adapter.js";
import { redactJson } from "../../lib/records/redact.js";
import { errorMessage } from "../../lib/util/error-message.js";

/**
 * Drives an {@link AdapterSource}: scans one at a time, hands new records to
 * the sink, persists the source's state after each scan that changed it, and
 * polls with an unref'd timer while watching. Nothing here throws into the
 * host program: failures are logged through `diag`, counted, and retried.
 */
export class ObservabilityAdapter implements DataAdapter {
  readonly counters: AdapterCounters = newAdapterCounters();
  private timer: NodeJS.Timeout | undefined;
  private active = false;
  private chain: Promise<unknown> = Promise.resolve();
  private stateLoaded = false;
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly source: AdapterSource,
    readonly config: AdapterConfig,
    private readonly sink: AdapterSink,
    readonly stateFile: string | undefined,
  ) {}

  get kind(): AdapterKind {
    return this.source.kind;
  }

  get target(): string {
    return this.source.target;
  }

  get watching(): boolean {
    return this.active;
  }

  start(): this {
    if (this.active) return this;
    this.active = true;
    this.stopping = undefined;
    this.schedule(0);
    return this;
  }

  scanOnce(): Promise<TaskRecord[]> {
    const run = this.chain.then(() => this.scanNow());
    this.chain = run;
    return run;
  }

  stop(): Promise<void> {
    if (this.stopping) return this.stopping;
    this.active = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.stopping = this.scanOnce().then(() => undefined);
    return this.stopping;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.scanOnce().then(() => {
        if (this.active) this.schedule(this.config.watch_interval_sec * 1000);
      });
    }, delayMs);
    this.timer.unref();
  }

  private async scanNow(): Promise<TaskRecord[]> {
    if (!this.stateLoaded) {
      this.stateLoaded = true;
      if (this.stateFile) {
        const saved = await loadStateFile(this.stateFile);
        if (saved !== undefined && !this.source.importState(saved)) {
          diag.warn(`flowcept ${this.kind} adapter: state file ${this.stateFile} does not fit ${this.target}; starting afresh`);
        }
      }
    }
    let scan;
    try {
      scan = await this.source.scan(this.counters);
    } catch (err) {
      this.counters.errors++;
      diag.error(`flowcept ${this.kind} adapter: scan of ${this.target} failed: ${(err as Error).stack ?? String(err)}`);
      return [];
    }
    this.counters.scans++;
    // Values read from other tools' files (parameters, tags) follow the same redaction rule as captured ones.
    for (let i = 0; i < scan.records.length; i++) scan.records[i] = redactJson(scan.records[i]!);
    if (scan.records.length) {
      try {
        await this.sink(scan.records);
      } catch (err) {
        this.counters.errors++;
        diag.error(`flowcept ${this.kind} adapter: sink rejected ${scan.records.length} record(s), will offer them again: ${errorMessage(err)}`);
        return [];
      }
    }
    scan.commit();
    this.counters.emitted += scan.records.length;
    if (this.stateFile && scan.changed) {
      try {
        await saveStateFile(this.stateFile, this.source.exportState());
      } catch (err) {
        this.counters.errors++;
        diag.warn(`flowcept ${this.kind} adapter: cannot write state file ${this.stateFile}: ${errorMessage(err)}`);
      }
    }
    return scan.records;
  }
}
