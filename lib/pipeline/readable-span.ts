import type { HrTime } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { epochSeconds } from "../records/clock.js";
import type { SpanData } from "./span-data.js";

/** Float seconds from an OTel `HrTime`, as OTLP export would carry it (whole nanoseconds). */
export function hrToSeconds(t: HrTime): number {
  return epochSeconds(t[0], t[1]);
}

/** {@link SpanData} of an in-process span (open or ended). */
export function readableSpanToData(span: ReadableSpan): SpanData {
  const ctx = span.spanContext();
  return {
    name: span.name,
    kind: span.kind,
    traceId: ctx.traceId,
    spanId: ctx.spanId,
    parentSpanId: span.parentSpanContext?.spanId,
    startTime: hrToSeconds(span.startTime),
    endTime: span.ended ? hrToSeconds(span.endTime) : undefined,
    attributes: span.attributes,
    status: span.status,
    events: span.events,
    scopeName: span.instrumentationScope?.name,
    resourceAttributes: span.resource?.attributes,
  };
}
