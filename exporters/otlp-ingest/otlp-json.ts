/**
 * OTLP/JSON request parsing and response encoding. OTLP/JSON is the
 * protobuf JSON mapping with two exceptions (hex trace and span ids, integer
 * enums), so the parsed document already has the shape of
 * {@link OtlpTraceRequest}; only its structure is checked here, values are
 * checked span by span when mapped.
 */
import type { OtlpTraceRequest, OtlpTraceResponse } from "./otlp-types.js";

/** Parses an OTLP/JSON `ExportTraceServiceRequest`. Throws with a reason when the body is not one. */
export function parseTraceRequestJson(text: string): OtlpTraceRequest {
  const doc: unknown = JSON.parse(text);
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) throw new Error("expected a JSON object");
  const rs = (doc as { resourceSpans?: unknown }).resourceSpans;
  if (rs !== undefined && rs !== null && !Array.isArray(rs)) throw new Error("resourceSpans must be an array");
  for (const r of (rs as unknown[] | undefined) ?? []) {
    if (r === null || typeof r !== "object") throw new Error("resourceSpans entries must be objects");
    const ss = (r as { scopeSpans?: unknown }).scopeSpans;
    if (ss !== undefined && ss !== null && !Array.isArray(ss)) throw new Error("scopeSpans must be an array");
    for (const s of (ss as unknown[] | undefined) ?? []) {
      if (s === null || typeof s !== "object") throw new Error("scopeSpans entries must be objects");
      const spans = (s as { spans?: unknown }).spans;
      if (spans !== undefined && spans !== null && !Array.isArray(spans)) throw new Error("spans must be an array");
    }
  }
  return doc as OtlpTraceRequest;
}

/** The OTLP/JSON `ExportTraceServiceResponse` (int64 as a decimal string, as the JSON mapping writes it). */
export function traceResponseJson(res: OtlpTraceResponse): string {
  if (res.rejectedSpans === 0 && !res.errorMessage) return "{}";
  return JSON.stringify({ partialSuccess: { rejectedSpans: String(res.rejectedSpans), errorMessage: res.errorMessage ?? "" } });
}

/** The OTLP/JSON `google.rpc.Status` of an error response. */
export function statusJson(code: number, message: string): string {
  return JSON.stringify({ code, message });
}
