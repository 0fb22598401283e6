/**
 * OTLP protobuf decoding and encoding with the official definitions
 * (`exporters/otlp-ingest/otlp-proto/`, opentelemetry-proto v1.11.0, Apache-2.0) loaded
 * by protobufjs — no hand-written wire decoding.
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type protobuf from "protobufjs";
import { optionalPeer } from "../../lib/util/optional-peer.js";
import type { OtlpTraceRequest, OtlpTraceResponse } from "./otlp-types.js";

/** protobufjs, an optional peer: only OTLP/protobuf requests need it. */
export const protobufjs = optionalPeer<typeof protobuf>("protobufjs", "The ingest service (OTLP/protobuf)");

const PACKAGE = "opentelemetry.proto.collector.trace.v1";

interface TraceTypes {
  request: protobuf.Type;
  response: protobuf.Type;
  status: protobuf.Type;
}

let types: TraceTypes | undefined;

/** The folder holding the .proto files, from the sources or from `dist/`. */
function protoDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, "otlp-proto"), join(here, "..", "..", "..", "exporters", "otlp-ingest", "otlp-proto")];
  const found = candidates.find((d) => existsSync(join(d, "opentelemetry")));
  if (found === undefined) throw new Error(`OTLP .proto files not found (looked in ${candidates.join(", ")})`);
  return found;
}

/**
 * Gives each member of `AnyValue`'s `value` oneof its own explicit presence
 * instead. Same wire format; but protobufjs keeps a oneof consistent by
 * deleting the other seven members from every decoded value, which makes
 * every attribute value a slow dictionary-mode object and costs more than the
 * rest of the decoding. OTLP never sets two members, so presence per member
 * carries the same information: the member that is not null.
 */
function withPresencePerMember(anyValue: protobuf.Type): void {
  const oneof = anyValue.oneofs?.value;
  if (oneof === undefined) return;
  for (const f of [...oneof.fieldsArray]) oneof.remove(f);
  anyValue.remove(oneof);
  for (const f of [...anyValue.fieldsArray]) {
    anyValue.remove(f);
    const field = new (protobufjs().Field)(f.name, f.id, f.type, "optional");
    field.setOption("proto3_optional", true);
    const own = new (protobufjs().OneOf)(`_${f.name}`);
    own.add(field);
    anyValue.add(field);
    anyValue.add(own);
  }
}

function load(): TraceTypes {
  const dir = protoDir();
  const root = new (protobufjs().Root)();
  root.resolvePath = (_origin, target) => join(dir, target);
  root.loadSync("opentelemetry/proto/collector/trace/v1/trace_service.proto", { keepCase: false });
  // google.rpc.Status: the body of OTLP/HTTP error responses.
  protobufjs().parse('syntax = "proto3"; package google.rpc; message Status { int32 code = 1; string message = 2; }', root);
  withPresencePerMember(root.lookupType("opentelemetry.proto.common.v1.AnyValue"));
  root.resolveAll();
  return {
    request: root.lookupType(`${PACKAGE}.ExportTraceServiceRequest`),
    response: root.lookupType(`${PACKAGE}.ExportTraceServiceResponse`),
    status: root.lookupType("google.rpc.Status"),
  };
}

function traceTypes(): TraceTypes {
  return (types ??= load());
}

/** Loads the definitions now (they are otherwise loaded on first use). Throws when they cannot be found. */
export function loadOtlpProtobuf(): void {
  traceTypes();
}

/** Decodes an `ExportTraceServiceRequest`. Throws on malformed input. */
export function decodeTraceRequest(body: Uint8Array): OtlpTraceRequest {
  return traceTypes().request.decode(body) as unknown as OtlpTraceRequest;
}

/** Encodes an `ExportTraceServiceRequest` (tests and benchmarks build requests with it). */
export function encodeTraceRequest(request: OtlpTraceRequest): Uint8Array {
  const t = traceTypes().request;
  return t.encode(t.fromObject(request as Record<string, unknown>)).finish();
}

/** Encodes an `ExportTraceServiceResponse`, with `partial_success` only when spans were rejected. */
export function encodeTraceResponse(res: OtlpTraceResponse): Uint8Array {
  const t = traceTypes().response;
  const msg = res.rejectedSpans > 0 || res.errorMessage ? { partialSuccess: { rejectedSpans: res.rejectedSpans, errorMessage: res.errorMessage ?? "" } } : {};
  return t.encode(t.fromObject(msg)).finish();
}

/** Decodes an `ExportTraceServiceResponse` (what a collector reads from us). */
export function decodeTraceResponse(body: Uint8Array): OtlpTraceResponse {
  const m = traceTypes().response.decode(body) as unknown as { partialSuccess?: { rejectedSpans?: { toString(): string } | number; errorMessage?: string } | null };
  const p = m.partialSuccess;
  return { rejectedSpans: p?.rejectedSpans === undefined ? 0 : Number(p.rejectedSpans.toString()), errorMessage: p?.errorMessage || undefined };
}

/** Encodes a `google.rpc.Status`, the body of OTLP/HTTP 4xx and 5xx responses. */
export function encodeStatus(code: number, message: string): Uint8Array {
  const t = traceTypes().status;
  return t.encode(t.fromObject({ code, message })).finish();
}

/** Decodes a `google.rpc.Status`. */
export function decodeStatus(body: Uint8Array): { code: number; message: string } {
  const m = traceTypes().status.decode(body) as unknown as { code?: number; message?: string };
  return { code: m.code ?? 0, message: m.message ?? "" };
}
