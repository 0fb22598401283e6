/**
 * A live OpenLineage exporter: as task and workflow records reach it, their
 * RunEvents go to a lineage endpoint (Marquez's `POST /api/v1/lineage`) or
 * are appended to a JSONL file. A record of a running task (RUNNING,
 * SUBMITTED, WAITING) sends START; its final record sends COMPLETE, FAIL or
 * ABORT (and START, unless already sent).
 *
 * Add it beside the stores: `new FlowceptSpanProcessor({ exporters: [new
 * JsonlRecordExporter(), new OpenLineageRecordExporter({ url })] })`. The
 * events are a view of records the stores keep, so a slow or absent
 * endpoint never holds up the application: records are taken at once and
 * their events queue here (in order, at most `maxQueuedEvents`), sent while
 * the endpoint accepts them and retried with back-off while it does not.
 * Flushing waits for the queue only while the endpoint is accepting, and
 * the process is never kept alive for an endpoint that fails. Events still
 * queued when the process exits are named in one log line and not sent;
 * `flowcept-otel export --format openlineage --url …` sends them later.
 */
import { diag } from "@opentelemetry/api";
import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import { appendFileSync } from "node:fs";
import { resolve } from "node:path";
import { onProcessEnd } from "../../lib/process/exit-hooks.js";
import type { RecordExporter } from "../../lib/records/record-exporter.js";
import type { FlowceptRecord } from "../../lib/records/records.js";
import { Backoff } from "../../lib/util/backoff.js";
import { errorMessage } from "../../lib/util/error-message.js";
import { LineageEndpoint, type LineageEndpointOptions } from "./LineageEndpoint.js";
import { taskRunEvents, workflowRunEvents, type OpenLineageMappingOptions, type OpenLineageRunEvent } from "./openlineage-events.js";

/** Options of {@link OpenLineageRecordExporter}: an endpoint (`url`) or a file (`path`). */
export interface OpenLineageRecordExporterOptions extends OpenLineageMappingOptions, Partial<LineageEndpointOptions> {
  /** Append the events to this JSONL file instead of sending them. */
  path?: string | undefined;
  /** Events queued for the endpoint before the oldest are dropped (and counted in a log line). Default 100 000. */
  maxQueuedEvents?: number | undefined;
}

/** How many events taken are remembered, so that a record seen again sends nothing twice. */
const REMEMBERED = 100_000;
/** Longest wait between rounds of retries while the endpoint fails, ms. */
const MAX_RETRY_DELAY_MS = 30_000;

/** See the file header. */
export class OpenLineageRecordExporter implements RecordExporter {
  readonly kind = "database" as const;
  private readonly endpoint: LineageEndpoint | undefined;
  private readonly path: string | undefined;
  private readonly mapping: OpenLineageMappingOptions;
  private readonly maxQueued: number;
  private readonly workflows = new Map<string, Record<string, unknown>>();
  private readonly taken = new Set<string>();
  private readonly queue: OpenLineageRunEvent[] = [];
  private readonly rounds: Backoff;
  private sending: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  /** True from a failed attempt until an event is accepted again. */
  private failing = false;
  /** Why the last attempt failed, for the log. */
  private lastFailure = "";
  private dropped = 0;
  private stopped = false;
  private waiters: (() => void)[] = [];
  private readonly unregisterExit: () => void;

  constructor(options: OpenLineageRecordExporterOptions) {
    if ((options.url === undefined) === (options.path === undefined)) throw new TypeError("OpenLineageRecordExporter: give url (a lineage endpoint) or path (a JSONL file), one of them");
    this.endpoint = options.url === undefined ? undefined : new LineageEndpoint({ ...options, url: options.url, keepProcessAlive: false });
    this.path = options.path === undefined ? undefined : resolve(options.path);
    this.mapping = { namespace: options.namespace };
    this.maxQueued = Math.max(1, options.maxQueuedEvents ?? 100_000);
    this.rounds = new Backoff(options.backoffMs ?? 300, MAX_RETRY_DELAY_MS);
    this.unregisterExit = onProcessEnd({ exitSync: () => this.reportUnsent("the process exited") });
  }

  /** Events queued for the endpoint and not yet accepted. */
  get pending(): number {
    return this.queue.length;
  }

  /** The events of a batch of records, in order, leaving out those already taken. */
  private events(records: FlowceptRecord[]): OpenLineageRunEvent[] {
    const out: OpenLineageRunEvent[] = [];
    for (const r of records) {
      if (r.type === "workflow" && typeof r.workflow_id === "string") {
        this.workflows.set(r.workflow_id, { ...this.workflows.get(r.workflow_id), ...r });
        if (this.workflows.size > 10_000) this.workflows.delete(this.workflows.keys().next().value!);
        out.push(...workflowRunEvents(this.workflows.get(r.workflow_id)!, this.mapping));
      } else if (r.type === "task" && typeof r.task_id === "string") {
        out.push(...taskRunEvents(r, typeof r.workflow_id === "string" ? this.workflows.get(r.workflow_id) : undefined, this.mapping));
      }
    }
    return out.filter((e) => !this.taken.has(keyOf(e)));
  }

  private remember(events: OpenLineageRunEvent[]): void {
    for (const e of events) {
      this.taken.add(keyOf(e));
      if (this.taken.size > REMEMBERED) this.taken.delete(this.taken.values().next().value!);
    }
  }

  /** Takes a batch: appends its events to the file, or queues them for the endpoint. Throws when the file cannot be written. */
  exportSync(records: FlowceptRecord[]): void {
    const events = this.events(records);
    if (events.length === 0) return;
    if (this.path !== undefined) {
      appendFileSync(this.path, events.map((e) => `${JSON.stringify(e)}\n`).join(""));
      this.remember(events);
      return;
    }
    this.remember(events);
    this.queue.push(...events);
    if (this.queue.length > this.maxQueued) {
      const over = this.queue.length - this.maxQueued;
      this.queue.splice(0, over);
      if (this.dropped === 0) diag.warn(`flowcept: more than ${this.maxQueued} OpenLineage events wait for ${this.endpoint!.describe()}; the oldest are dropped (the stores keep their records)`);
      this.dropped += over;
    }
    this.kick();
  }

  export(records: FlowceptRecord[], resultCallback: (result: ExportResult) => void): void {
    try {
      this.exportSync(records);
      resultCallback({ code: ExportResultCode.SUCCESS });
    } catch (err) {
      resultCallback({ code: ExportResultCode.FAILED, error: err as Error });
    }
  }

  private kick(): void {
    if (this.sending !== undefined || this.retryTimer !== undefined || this.stopped || this.queue.length === 0) return;
    this.sending = this.send().finally(() => {
      this.sending = undefined;
    });
  }

  private async send(): Promise<void> {
    while (this.queue.length > 0 && !this.stopped) {
      try {
        await this.endpoint!.send(this.queue[0], (why) => this.noteFailing(why));
      } catch (err) {
        this.noteFailing(errorMessage(err));
        this.rounds.failed();
        const n = this.rounds.failures;
        if (n === 1 || n % 20 === 0) diag.error(`flowcept: OpenLineage events not accepted (${n}x), ${this.queue.length} waiting, retried later: ${errorMessage(err)}`);
        const delay = this.rounds.remaining();
        this.retryTimer = setTimeout(() => {
          this.retryTimer = undefined;
          this.kick();
        }, delay);
        this.retryTimer.unref();
        return;
      }
      this.queue.shift();
      this.rounds.succeeded();
      this.failing = false;
    }
    this.wake();
  }

  private noteFailing(why: string): void {
    this.failing = true;
    this.lastFailure = why;
    this.wake();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Resolves when the queued events are accepted, or at once while the endpoint fails (it is not waited for). */
  forceFlush(): Promise<void> {
    if (this.queue.length === 0 || this.failing || this.stopped) return Promise.resolve();
    return new Promise((r) => this.waiters.push(r));
  }

  /** Flushes as {@link forceFlush} does, then stops sending; events still queued are named in a log line. */
  async shutdown(): Promise<void> {
    await this.forceFlush();
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.unregisterExit();
    this.reportUnsent("the exporter shut down");
  }

  private reportUnsent(when: string): void {
    if (this.endpoint === undefined || (this.queue.length === 0 && this.dropped === 0)) return;
    diag.warn(`flowcept: ${this.queue.length + this.dropped} OpenLineage events were not sent to ${this.endpoint.describe()} when ${when}${this.failing ? ` (last failure: ${this.lastFailure})` : ""}; the stores keep their records: flowcept-otel export --format openlineage --url ${this.endpoint.url.origin} sends them`);
  }
}

function keyOf(e: OpenLineageRunEvent): string {
  return `${e.run.runId} ${e.eventType}`;
}
