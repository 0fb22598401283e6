/**
 * Reads a trace through Jaeger's HTTP query API (`/api/v3/traces/{id}`, OTLP
 * JSON) into a small shape the tests assert on.
 */
import { httpGet } from "./PeerProcess.js";

type AnyValue = { stringValue?: string; intValue?: string | number; doubleValue?: number; boolValue?: boolean; arrayValue?: { values?: AnyValue[] } };
type KeyValue = { key: string; value: AnyValue };

/** A span as the tests see it: attributes as plain values, status as `OK` / `ERROR` / `UNSET`. */
export interface JaegerSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  name: string;
  attributes: Record<string, unknown>;
  status: { code: "UNSET" | "OK" | "ERROR"; message?: string };
  events: { name: string; attributes: Record<string, unknown> }[];
}

/** A trace: its id, the `service.name` of its resource, and its spans. */
export interface JaegerTrace {
  traceId: string;
  serviceName: string | undefined;
  spans: JaegerSpan[];
}

function plain(v: AnyValue): unknown {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(plain);
  return undefined;
}

function attributes(list: KeyValue[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of list ?? []) out[kv.key] = plain(kv.value);
  return out;
}

/** OTLP JSON ids are hex in Jaeger's gateway; base64 is accepted as well. */
function hexId(id: string | undefined): string | undefined {
  if (!id) return undefined;
  if (/^[0-9a-f]+$/i.test(id)) return id.toLowerCase();
  return Buffer.from(id, "base64").toString("hex");
}

function statusCode(code: unknown): JaegerSpan["status"]["code"] {
  if (code === 2 || code === "STATUS_CODE_ERROR" || code === "ERROR") return "ERROR";
  if (code === 1 || code === "STATUS_CODE_OK" || code === "OK") return "OK";
  return "UNSET";
}

/** The trace of a workflow (its id with or without dashes), or undefined while Jaeger has none. */
export async function jaegerTrace(queryUrl: string, workflowId: string): Promise<JaegerTrace | undefined> {
  const traceId = workflowId.replaceAll("-", "");
  const res = await httpGet(`${queryUrl}/api/v3/traces/${traceId}`);
  if (!res || res.status !== 200) return undefined;
  const body = JSON.parse(res.body) as {
    result?: {
      resourceSpans?: {
        resource?: { attributes?: KeyValue[] };
        scopeSpans?: {
          spans?: {
            traceId: string;
            spanId: string;
            parentSpanId?: string;
            name: string;
            attributes?: KeyValue[];
            status?: { code?: unknown; message?: string };
            events?: { name: string; attributes?: KeyValue[] }[];
          }[];
        }[];
      }[];
    };
  };
  const spans: JaegerSpan[] = [];
  let serviceName: string | undefined;
  for (const rs of body.result?.resourceSpans ?? []) {
    serviceName ??= attributes(rs.resource?.attributes)["service.name"] as string | undefined;
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        spans.push({
          traceId: hexId(s.traceId)!,
          spanId: hexId(s.spanId)!,
          parentSpanId: hexId(s.parentSpanId),
          name: s.name,
          attributes: attributes(s.attributes),
          status: { code: statusCode(s.status?.code), message: s.status?.message },
          events: (s.events ?? []).map((e) => ({ name: e.name, attributes: attributes(e.attributes) })),
        });
      }
    }
  }
  if (spans.length === 0) return undefined;
  return { traceId: spans[0]!.traceId, serviceName, spans };
}
