/**
 * The shape of a decoded OTLP trace export request, as both decoders produce
 * it: protobufjs messages from `application/x-protobuf` bodies and parsed
 * OTLP/JSON from `application/json` bodies. Field names are the OTLP/JSON
 * (lowerCamelCase) names, which are also protobufjs's. The two encodings
 * differ in a few value types, noted on each field.
 */

/** A 64-bit integer: a protobufjs `Long` (protobuf), a decimal string or a number (JSON). */
export type OtlpInt64 = { low: number; high: number; unsigned?: boolean } | string | number;

/** Trace and span ids: bytes (protobuf) or hex text (JSON). */
export type OtlpId = Uint8Array | string;

export interface OtlpAnyValue {
  stringValue?: string | null;
  boolValue?: boolean | null;
  intValue?: OtlpInt64 | null;
  /** JSON may spell non-finite doubles as "NaN", "Infinity", "-Infinity". */
  doubleValue?: number | string | null;
  arrayValue?: { values?: OtlpAnyValue[] | null } | null;
  kvlistValue?: { values?: OtlpKeyValue[] | null } | null;
  /** Bytes (protobuf) or base64 text (JSON). */
  bytesValue?: Uint8Array | string | null;
}

export interface OtlpKeyValue {
  key?: string | null;
  value?: OtlpAnyValue | null;
}

export interface OtlpEvent {
  timeUnixNano?: OtlpInt64 | null;
  name?: string | null;
  attributes?: OtlpKeyValue[] | null;
}

export interface OtlpSpan {
  traceId?: OtlpId | null;
  spanId?: OtlpId | null;
  parentSpanId?: OtlpId | null;
  name?: string | null;
  /** OTLP `SpanKind`: 0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind?: number | string | null;
  startTimeUnixNano?: OtlpInt64 | null;
  endTimeUnixNano?: OtlpInt64 | null;
  attributes?: OtlpKeyValue[] | null;
  events?: OtlpEvent[] | null;
  status?: { code?: number | string | null; message?: string | null } | null;
}

export interface OtlpScopeSpans {
  scope?: { name?: string | null; version?: string | null } | null;
  spans?: OtlpSpan[] | null;
}

export interface OtlpResourceSpans {
  resource?: { attributes?: OtlpKeyValue[] | null } | null;
  scopeSpans?: OtlpScopeSpans[] | null;
}

/** `ExportTraceServiceRequest`. */
export interface OtlpTraceRequest {
  resourceSpans?: OtlpResourceSpans[] | null;
}

/** `ExportTraceServiceResponse`: partial success is reported when spans were rejected. */
export interface OtlpTraceResponse {
  rejectedSpans: number;
  errorMessage?: string;
}
