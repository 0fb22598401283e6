/**
 * The trace path's exporter as Flowcept's provider uses it: the official
 * exporter inside, with what it lacks for a process that must end on time —
 * a count of the spans that never reached the endpoint, one report naming
 * the endpoint, and a way to give up at process end: pending exports are
 * answered at once and nothing of the exporter keeps the process alive.
 */
import { diag } from "@opentelemetry/api";
import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace-base";
import { errorMessage } from "../util/error-message.js";

interface PendingExport {
  count: number;
  callback: (result: ExportResult) => void;
}

/** Retry timers of the official HTTP exporters (0.223): made not to hold the process open. */
interface RetryingTransportLike {
  retry?: (data: unknown, timeoutMillis: number, inMillis: number) => Promise<unknown>;
  _transport?: { send?: (data: unknown, timeoutMillis: number) => Promise<unknown> };
}

function unrefRetries(exporter: SpanExporter): void {
  const transport = (exporter as { _delegate?: { _transport?: RetryingTransportLike } })._delegate?._transport;
  const inner = transport?._transport;
  if (transport === undefined || typeof transport.retry !== "function" || typeof inner?.send !== "function") return;
  const send = inner.send.bind(inner);
  transport.retry = (data, timeoutMillis, inMillis) =>
    new Promise((resolve, reject) => {
      setTimeout(() => send(data, timeoutMillis).then(resolve, reject), inMillis).unref();
    });
}

/** See the file header. */
export class BoundedSpanExporter implements SpanExporter {
  private readonly pending = new Set<PendingExport>();
  private abandoned = false;
  private notSent = 0;
  private lastError: string | undefined;
  private warned = false;

  /**
   * `endpoint` names where spans go, in messages (credentials already
   * removed); `networkError` tells the last connection error seen, for an
   * export still retrying when the process ends.
   */
  constructor(
    private readonly inner: SpanExporter,
    readonly endpoint: string,
    private readonly networkError: () => string | undefined = () => undefined,
  ) {
    unrefRetries(inner);
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    if (this.abandoned) {
      this.notSent += spans.length;
      resultCallback({ code: ExportResultCode.FAILED, error: new Error("the process is ending") });
      return;
    }
    const entry: PendingExport = { count: spans.length, callback: resultCallback };
    this.pending.add(entry);
    try {
      this.inner.export(spans, (result) => this.settle(entry, result));
    } catch (err) {
      this.settle(entry, { code: ExportResultCode.FAILED, error: err instanceof Error ? err : new Error(errorMessage(err)) });
    }
  }

  private settle(entry: PendingExport, result: ExportResult): void {
    if (!this.pending.delete(entry)) return;
    if (result.code !== ExportResultCode.SUCCESS) {
      this.notSent += entry.count;
      this.lastError = result.error ? errorMessage(result.error) : "export failed";
      if (!this.warned) {
        this.warned = true;
        diag.warn(`flowcept: trace export to ${this.endpoint} failed (${this.lastError}); those spans are not in the trace view (provenance records are kept)`);
      }
    }
    entry.callback(result);
  }

  /** Spans that did not reach the endpoint so far. */
  get spansNotSent(): number {
    return this.notSent;
  }

  /** The process is ending: failures are told once, by {@link reportAtExit}. */
  beginExit(): void {
    this.warned = true;
  }

  /**
   * Gives up at process end: exports under way are answered as failed (their
   * spans counted), later ones fail at once, and the exporter is shut down so
   * that no connection or retry keeps the process alive.
   */
  abandon(): void {
    if (this.abandoned) return;
    this.abandoned = true;
    this.warned = true;
    const reason = this.lastError ?? this.networkError() ?? "no answer before the process ended";
    for (const entry of [...this.pending]) this.settle(entry, { code: ExportResultCode.FAILED, error: new Error(reason) });
    this.inner.shutdown().catch(() => undefined);
  }

  /** Reports the spans that never reached the endpoint, once, naming it. */
  reportAtExit(): void {
    if (this.notSent === 0) return;
    diag.warn(`flowcept: ${this.notSent} spans not sent to ${this.endpoint}${this.lastError ? ` (${this.lastError})` : ""}; provenance records are not affected`);
    this.notSent = 0;
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}
