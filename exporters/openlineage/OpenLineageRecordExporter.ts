/**
 * A live OpenLineage exporter: as task and workflow records reach it, their
 * RunEvents go to a lineage endpoint (Marquez's `POST /api/v1/lineage`) or
 * are appended to a JSONL file. A record of a running task (RUNNING,
 * SUBMITTED, WAITING) sends START; its final record sends COMPLETE, FAIL or
 * ABORT (and START, unless already sent). An event delivered once is not
 * sent again when the pipeline offers a batch again after a failure.
 *
 * Add it beside the stores: `new FlowceptSpanProcessor({ exporters: [new
 * JsonlRecordExporter(), new OpenLineageRecordExporter({ url })] })`. It is a
 * `database` exporter: records wait (never dropped) and are retried while the
 * endpoint is down; events still waiting when the process exits are not sent
 * (the stores keep the records: `flowcept-otel export --format openlineage
 * --url …` sends them later).
 */
import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import { appendFileSync } from "node:fs";
import { resolve } from "node:path";
import type { RecordExporter } from "../../lib/records/record-exporter.js";
import type { FlowceptRecord } from "../../lib/records/records.js";
import { LineageEndpoint, type LineageEndpointOptions } from "./LineageEndpoint.js";
import { taskRunEvents, workflowRunEvents, type OpenLineageMappingOptions, type OpenLineageRunEvent } from "./openlineage-events.js";

/** Options of {@link OpenLineageRecordExporter}: an endpoint (`url`) or a file (`path`). */
export interface OpenLineageRecordExporterOptions extends OpenLineageMappingOptions, Partial<LineageEndpointOptions> {
  /** Append the events to this JSONL file instead of sending them. */
  path?: string | undefined;
}

/** How many delivered events are remembered to skip resending them. */
const REMEMBERED = 100_000;

/** See the file header. */
export class OpenLineageRecordExporter implements RecordExporter {
  readonly kind = "database" as const;
  private readonly endpoint: LineageEndpoint | undefined;
  private readonly path: string | undefined;
  private readonly mapping: OpenLineageMappingOptions;
  private readonly workflows = new Map<string, Record<string, unknown>>();
  private readonly delivered = new Set<string>();
  private chain: Promise<void> = Promise.resolve();

  constructor(options: OpenLineageRecordExporterOptions) {
    if ((options.url === undefined) === (options.path === undefined)) throw new TypeError("OpenLineageRecordExporter: give url (a lineage endpoint) or path (a JSONL file), one of them");
    this.endpoint = options.url === undefined ? undefined : new LineageEndpoint({ ...options, url: options.url });
    this.path = options.path === undefined ? undefined : resolve(options.path);
    this.mapping = { namespace: options.namespace };
  }

  /** The events of a batch of records, in order. */
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
    return out.filter((e) => !this.delivered.has(keyOf(e)));
  }

  private remember(e: OpenLineageRunEvent): void {
    this.delivered.add(keyOf(e));
    if (this.delivered.size > REMEMBERED) this.delivered.delete(this.delivered.values().next().value!);
  }

  export(records: FlowceptRecord[], resultCallback: (result: ExportResult) => void): void {
    const run = this.chain.then(async () => {
      const events = this.events(records);
      if (this.path !== undefined) {
        if (events.length) appendFileSync(this.path, events.map((e) => `${JSON.stringify(e)}\n`).join(""));
        events.forEach((e) => this.remember(e));
        return;
      }
      for (const e of events) {
        await this.endpoint!.send(e);
        this.remember(e);
      }
    });
    this.chain = run.catch(() => undefined);
    run.then(
      () => resultCallback({ code: ExportResultCode.SUCCESS }),
      (error: unknown) => resultCallback({ code: ExportResultCode.FAILED, error: error as Error }),
    );
  }

  forceFlush(): Promise<void> {
    return this.chain;
  }

  shutdown(): Promise<void> {
    return this.chain;
  }
}

function keyOf(e: OpenLineageRunEvent): string {
  return `${e.run.runId} ${e.eventType}`;
}
