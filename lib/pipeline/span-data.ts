import type { Attributes, AttributeValue } from "@opentelemetry/api";

/**
 * The parts of a span the record mapping reads, independent of where the
 * span comes from (an in-process `ReadableSpan`, or an OTLP span received by
 * the ingest service). Times are float seconds since the epoch.
 */
export interface SpanData {
  name: string;
  /** `SpanKind` number (0 internal, 1 server, 2 client, 3 producer, 4 consumer). */
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId?: string | undefined;
  startTime: number;
  /** Absent while the span is still open. */
  endTime?: number | undefined;
  attributes: Attributes;
  /** `SpanStatusCode` (0 unset, 1 ok, 2 error) and message. */
  status: { code: number; message?: string | undefined };
  events?: ReadonlyArray<{ name: string; attributes?: Attributes | undefined }> | undefined;
  scopeName?: string | undefined;
  resourceAttributes?: Attributes | undefined;
}

/** A string attribute, or undefined. */
export function strAttr(attrs: Attributes, key: string): string | undefined {
  const v: AttributeValue | undefined = attrs[key];
  return typeof v === "string" ? v : undefined;
}
