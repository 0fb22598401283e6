import { diag, trace, type Attributes, type Context } from "@opentelemetry/api";
import type { ReadableSpan, Span, SpanProcessor } from "@opentelemetry/sdk-trace-base";
import { ATTR } from "../records/attributes.js";
import type { FlowceptRecord } from "../records/records.js";
import { taskScope } from "../context/current-scope.js";
import { errorMessage } from "../util/error-message.js";
import { RecordPipeline, type RecordPipelineOptions } from "./RecordPipeline.js";
import { compileSpanFilter, type SpanMatchOption } from "./span-match.js";
import { agentIdentity, agentSpanRole } from "./agent-span.js";

function stringAttr(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

/** Options of {@link FlowceptSpanProcessor}: its pipeline's, and which spans of other instrumentations to record. */
export interface FlowceptSpanProcessorOptions extends RecordPipelineOptions {
  /**
   * Spans of other instrumentations to record, by instrumentation scope and
   * span name, e.g. `{ scopes: ["@opentelemetry/instrumentation-http"] }`
   * or `[{ scopes: [/pg$/] }, { names: [/^GET /] }]` (any of several).
   * Flowcept's own spans are always recorded. Default: all spans.
   */
  include?: SpanMatchOption | undefined;
  /** Spans of other instrumentations not to record, e.g. `{ names: ["dns.lookup", /^fs /] }`. */
  exclude?: SpanMatchOption | undefined;
  /**
   * Which spans of other instrumentations become task records, as a
   * predicate (applied after `include` and `exclude`). Flowcept's own spans
   * are always recorded. Default: all spans.
   */
  spanFilter?: ((span: ReadableSpan) => boolean) | undefined;
}

/**
 * A span processor that turns the ended spans of other instrumentations
 * (HTTP, databases, the application's own) into Flowcept task records and
 * hands them, in batches, to provenance exporters — without ever dropping
 * one (see `RecordPipeline`). Add it to any tracer provider;
 * `registerFlowcept()` and `Flowcept.start()` do so for you when the
 * application has none.
 *
 * It stamps every such span with the workflow and campaign ids of the
 * Flowcept workflow it runs in (the process's implicit workflow outside any
 * other). Flowcept's own task, loop and workflow spans are recorded by the
 * capture API itself, whatever the provider and its sampler: this processor
 * skips them, so they are never recorded twice.
 */
export class FlowceptSpanProcessor implements SpanProcessor {
  /** @internal Where this processor's records go. */
  readonly pipeline: RecordPipeline;
  private readonly spanFilter: ((span: ReadableSpan) => boolean) | undefined;

  constructor(options: FlowceptSpanProcessorOptions = {}) {
    this.pipeline = new RecordPipeline(options);
    this.spanFilter = compileSpanFilter(options.include, options.exclude, options.spanFilter);
  }

  onStart(span: Span, parentContext: Context): void {
    // Flowcept's own spans: recorded by the capture API.
    if (span.attributes[ATTR.TYPE] !== undefined) return;
    const scope = taskScope(parentContext);
    if (scope === undefined) return;
    span.setAttribute(ATTR.WORKFLOW_ID, scope.workflowId);
    if (scope.campaignId) span.setAttribute(ATTR.CAMPAIGN_ID, scope.campaignId);
    const parentSpan = trace.getSpan(parentContext);
    const parent = parentSpan?.spanContext();
    if (parent === undefined) span.setAttribute(ATTR.PARENT_TASK_ID, scope.parentTaskId ?? "");
    else if (parent.spanId === scope.rootSpanId) span.setAttribute(ATTR.PARENT_TASK_ID, "");
    // The agent a span works for: the one its parent works for (an SDK span's attributes are readable), else for
    // agentic spans the workflow's. A span that names an agent of its own was called by the enclosing one.
    const parentAttrs = (parentSpan as { attributes?: Attributes } | undefined)?.attributes;
    let enclosing = parentAttrs === undefined ? undefined : (stringAttr(parentAttrs[ATTR.AGENT_ID]) ?? agentIdentity(parentAttrs)?.id);
    const agentic = agentSpanRole(span.attributes, span.kind) !== undefined;
    if (enclosing === undefined && !agentic) return;
    enclosing ??= scope.agentId;
    const own = agentic ? agentIdentity(span.attributes) : undefined;
    if (own === undefined) {
      if (enclosing !== undefined) span.setAttribute(ATTR.AGENT_ID, enclosing);
    } else if (enclosing !== undefined && enclosing !== own.id) span.setAttribute(ATTR.SOURCE_AGENT_ID, enclosing);
  }

  onEnd(span: ReadableSpan): void {
    if (span.attributes[ATTR.TYPE] !== undefined) return;
    if (this.spanFilter) {
      let keep: boolean;
      try {
        keep = this.spanFilter(span);
      } catch (err) {
        diag.error(`flowcept: spanFilter threw: ${errorMessage(err)}`);
        keep = true;
      }
      if (!keep) return;
    }
    this.pipeline.pushSpan(span);
  }

  /** Records that have no span of their own (see `RecordPipeline.emit`). */
  emit(records: FlowceptRecord | readonly FlowceptRecord[]): void {
    this.pipeline.emit(records);
  }

  /** Records waiting in memory across exporters. */
  get pending(): number {
    return this.pipeline.pending;
  }

  /** Resolves when every record so far is durable (see `RecordPipeline.forceFlush`). */
  forceFlush(timeoutMillis?: number): Promise<void> {
    return this.pipeline.forceFlush(timeoutMillis);
  }

  /** Moves every waiting record out synchronously; returns how many could not be moved. */
  flushSync(): number {
    return this.pipeline.flushSync();
  }

  shutdown(): Promise<void> {
    return this.pipeline.shutdown();
  }
}
