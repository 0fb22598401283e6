/**
 * A task, loop or workflow as the capture API records it: the span data the
 * provenance record is mapped from, kept by the capture path itself, beside
 * the OTel span that shows the same work in the trace view. The OTel span
 * comes from whichever tracer provider is registered (the application's or
 * Flowcept's) and may be sampled out or be a no-op; the record does not
 * depend on it. Ending the span hands it to the record pipeline directly.
 */
import { isSpanContextValid, ROOT_CONTEXT, SpanStatusCode, TraceFlags, trace, type SpanKind, type Attributes, type AttributeValue, type Context, type Exception, type Link, type Span, type SpanContext, type SpanStatus, type TimeInput } from "@opentelemetry/api";
import { nowSeconds } from "../records/clock.js";
import { randomSpanId, randomTraceId } from "../records/ids.js";
import { TRACER_NAME } from "../process/version.js";
import type { SpanData } from "../pipeline/span-data.js";
import type { RecordSink } from "../pipeline/record-sink.js";
import { flowceptTracer } from "../pipeline/register-flowcept.js";
import { withForcedIds } from "../context/FlowceptIdGenerator.js";

/** How the span looks in the trace view when that differs from the record (conventions of a protocol, such as MCP's). */
export interface TraceView {
  /** Default: internal. */
  kind?: SpanKind;
  /** Default: the record's activity id. */
  name?: string;
}

/** Ids a span must get (a workflow's root span). */
export interface ForcedIds {
  traceId: string;
  spanId: string;
}

function toSeconds(t: TimeInput): number {
  if (typeof t === "number") return t / 1000;
  if (t instanceof Date) return t.getTime() / 1000;
  return t[0] + t[1] / 1e9;
}

/** See the file header. Implements the OTel `Span` API, so instrumentations can treat it as one. */
export class CaptureSpan implements SpanData, Span {
  name: string;
  readonly kind = 0;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | undefined;
  readonly startTime: number;
  endTime: number | undefined;
  /** The provenance attributes (the OTel span gets the same ones). */
  readonly attributes: Attributes;
  status: { code: number; message?: string } = { code: SpanStatusCode.UNSET };
  events: { name: string; attributes?: Attributes }[] | undefined;
  readonly scopeName = TRACER_NAME;
  /** The span in the trace view: recording, sampled out, or carrying only the ids. */
  readonly otel: Span;
  private readonly sink: RecordSink | undefined;

  /**
   * Starts the OTel span through Flowcept's tracer and the capture record
   * beside it; `sink` receives the span when it ends (and knows it is open
   * meanwhile, so an exit can record it as interrupted).
   */
  constructor(name: string, attributes: Attributes, parent: Context, sink: RecordSink | undefined, startTime?: number, forced?: ForcedIds, links?: Link[], view?: TraceView) {
    this.name = name;
    this.attributes = attributes;
    const start = startTime ?? nowSeconds();
    this.startTime = start;
    const parentCtx = trace.getSpanContext(parent);
    const { tracer, forcedIds } = flowceptTracer();
    let otel: Span | undefined;
    let sc: SpanContext | undefined;
    if (tracer !== undefined) {
      const options = { attributes, startTime: start * 1000, links, root: forced !== undefined && forcedIds, kind: view?.kind };
      if (forced === undefined) otel = tracer.startSpan(view?.name ?? name, options, parent);
      else if (forcedIds) otel = withForcedIds(forced.traceId, forced.spanId, () => tracer.startSpan(name, options, ROOT_CONTEXT));
      // A provider whose ids cannot be chosen: the workflow's ids come from a remote parent that stands for the workflow.
      else otel = tracer.startSpan(name, options, trace.setSpanContext(ROOT_CONTEXT, { ...forced, traceFlags: TraceFlags.SAMPLED, isRemote: true }));
      sc = otel.spanContext();
      // A recording span has ids of its own; a no-op tracer hands back its parent's ids, or none.
      const ownIds = forced !== undefined ? sc.traceId === forced.traceId && isSpanContextValid(sc) : otel.isRecording() || (isSpanContextValid(sc) && sc.spanId !== parentCtx?.spanId);
      if (!ownIds) {
        if (otel.isRecording()) otel.end();
        otel = undefined;
      }
    }
    if (otel === undefined || sc === undefined) {
      // Nobody sees Flowcept's spans (no SDK behind the API, or no exporter): the ids are ours, carried by a non-recording span.
      const parentValid = parentCtx !== undefined && isSpanContextValid(parentCtx);
      sc = {
        traceId: forced?.traceId ?? (parentValid ? parentCtx.traceId : randomTraceId()),
        spanId: forced?.spanId ?? randomSpanId(),
        traceFlags: parentValid && forced === undefined ? parentCtx.traceFlags : TraceFlags.SAMPLED,
      };
      otel = trace.wrapSpanContext(sc);
    }
    this.otel = otel;
    this.traceId = sc.traceId;
    this.spanId = sc.spanId;
    // A child shares its parent's trace id (an invalid parent's zero id never matches).
    this.parentSpanId = forced === undefined && parentCtx !== undefined && parentCtx.traceId === sc.traceId ? parentCtx.spanId : undefined;
    this.sink = sink;
    sink?.spanStarted(this);
  }

  /** Whether the span ended. */
  get ended(): boolean {
    return this.endTime !== undefined;
  }

  spanContext(): SpanContext {
    return this.otel.spanContext();
  }

  setAttribute(key: string, value: AttributeValue): this {
    if (this.endTime === undefined) {
      this.attributes[key] = value;
      this.otel.setAttribute(key, value);
    }
    return this;
  }

  setAttributes(attributes: Attributes): this {
    for (const key in attributes) {
      const v = attributes[key];
      if (v !== undefined) this.setAttribute(key, v);
    }
    return this;
  }

  /** Sets an attribute on the trace view only (mirrors such as `output.value`). */
  setTraceAttribute(key: string, value: AttributeValue): void {
    this.otel.setAttribute(key, value);
  }

  addEvent(name: string, attributesOrStartTime?: Attributes | TimeInput, startTime?: TimeInput): this {
    this.otel.addEvent(name, attributesOrStartTime, startTime);
    return this;
  }

  addLink(link: Link): this {
    this.otel.addLink(link);
    return this;
  }

  addLinks(links: Link[]): this {
    this.otel.addLinks(links);
    return this;
  }

  setStatus(status: SpanStatus): this {
    if (this.endTime === undefined) {
      this.status = status;
      this.otel.setStatus(status);
    }
    return this;
  }

  updateName(name: string): this {
    this.name = name;
    this.otel.updateName(name);
    return this;
  }

  recordException(exception: Exception, time?: TimeInput): void {
    if (this.endTime !== undefined) return;
    const message = typeof exception === "string" ? exception : exception.message;
    (this.events ??= []).push({ name: "exception", attributes: message === undefined ? {} : { "exception.message": message } });
    this.otel.recordException(exception, time);
  }

  isRecording(): boolean {
    return this.endTime === undefined;
  }

  /** Ends the OTel span and hands the record to the pipeline. A second call does nothing. */
  end(endTime?: TimeInput): void {
    if (this.endTime !== undefined) return;
    const end = endTime === undefined ? nowSeconds() : toSeconds(endTime);
    this.endTime = end;
    this.otel.end(end * 1000);
    this.sink?.spanEnded(this);
  }
}
