import type { ExportResult } from "@opentelemetry/core";
import type { FlowceptRecord } from "./records.js";

/**
 * A provenance exporter: the destination of Flowcept records (local JSONL store,
 * MongoDB, …). The contract mirrors OTel's `SpanExporter`.
 *
 * An exporter owns the records it is given: `SUCCESS` means they are durable
 * (written, acknowledged or spilled to disk), `FAILED` means the caller still
 * owns them and will offer them again.
 */
export interface RecordExporter {
  /** Exports a batch. Never throws; reports through `resultCallback`. */
  export(records: FlowceptRecord[], resultCallback: (result: ExportResult) => void): void;
  /**
   * Optional synchronous path, used at process exit and when a synchronous
   * burst of records must be moved out of memory before the event loop runs.
   * Throws when the records could not be made durable.
   */
  exportSync?(records: FlowceptRecord[]): void;
  /** Resolves when every record handed over so far is durable. */
  forceFlush(): Promise<void>;
  /**
   * Why records handed over now do not reach the store itself but are kept
   * aside (durable, in a spill file, until the store takes them), or
   * undefined while they reach it. Health checks report it.
   */
  keptAside?(): string | undefined;
  /** Flushes and releases resources. */
  shutdown(): Promise<void>;
  /**
   * `"local"` exporters always receive records; `"database"` exporters are
   * skipped for workflows started with `startPersistence: false`.
   */
  readonly kind?: "local" | "database";
  /**
   * @internal True when the exporter handles `RawJson` values (pre-serialised
   * JSON text, e.g. by splicing them into its output). Otherwise records
   * reach it as plain JSON objects.
   */
  readonly acceptsRawJson?: boolean;
}
