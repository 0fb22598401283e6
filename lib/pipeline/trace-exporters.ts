/**
 * The trace path of Flowcept's own tracer provider, from OTel's standard
 * environment (as the OpenTelemetry SDK specification defines it, and as
 * `@opentelemetry/sdk-node` reads it):
 *
 * - `OTEL_TRACES_EXPORTER`: `otlp`, `console`, `none`, or a comma list.
 *   Unset: `otlp` when an `OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT` is set,
 *   else none (the specification's default is `otlp`; a provenance tool that
 *   works offline does not send to `localhost:4318` unless asked).
 * - `OTEL_EXPORTER_OTLP_[TRACES_]PROTOCOL`: `http/protobuf` (default),
 *   `http/json`, `grpc` — each with its official exporter, which reads
 *   `OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT`, `…HEADERS`, `…TIMEOUT`,
 *   `…COMPRESSION` itself.
 * - `OTEL_BSP_*` are read by the batch span processor.
 */
import { diag } from "@opentelemetry/api";
import { getStringFromEnv, getStringListFromEnv } from "@opentelemetry/core";
import { BatchSpanProcessor, ConsoleSpanExporter, SimpleSpanProcessor, type SpanExporter, type SpanProcessor } from "@opentelemetry/sdk-trace-base";
import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import type { Socket } from "node:net";
import { redactUri } from "../records/redact.js";
import { errorMessage } from "../util/error-message.js";
import { optionalPeer } from "../util/optional-peer.js";
import { BoundedSpanExporter } from "./BoundedSpanExporter.js";

/** OTLP protocols of the specification. */
export type OtlpProtocol = "http/protobuf" | "http/json" | "grpc";

type OtlpExporterModule = { OTLPTraceExporter: new (config?: Record<string, unknown>) => SpanExporter };

const exporterModules: Record<OtlpProtocol, () => OtlpExporterModule> = {
  "http/protobuf": optionalPeer("@opentelemetry/exporter-trace-otlp-proto", "OTLP export over http/protobuf"),
  "http/json": optionalPeer("@opentelemetry/exporter-trace-otlp-http", "OTLP export over http/json"),
  grpc: optionalPeer("@opentelemetry/exporter-trace-otlp-grpc", "OTLP export over grpc"),
};

/** What the trace path of Flowcept's provider is made of. */
export interface TracePath {
  processors: SpanProcessor[];
  /** The exporters that send over the network: bounded at process end. */
  bounded: BoundedSpanExporter[];
}

/** The exporter names `OTEL_TRACES_EXPORTER` asks for (`none` alone gives an empty list). */
export function tracesExportersFromEnv(): string[] {
  const list = [...new Set((getStringListFromEnv("OTEL_TRACES_EXPORTER") ?? []).map((s) => s.toLowerCase()))].filter((s) => s !== "" && s !== "null");
  if (list.length === 0) return getStringFromEnv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") || getStringFromEnv("OTEL_EXPORTER_OTLP_ENDPOINT") ? ["otlp"] : [];
  if (list.includes("none")) {
    if (list.length > 1) diag.warn(`flowcept: OTEL_TRACES_EXPORTER="${list.join(",")}" names "none" with other exporters; no trace exporter is used`);
    return [];
  }
  return list;
}

/** `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL`, else `OTEL_EXPORTER_OTLP_PROTOCOL`, else `http/protobuf`. */
export function otlpProtocolFromEnv(): OtlpProtocol {
  const p = getStringFromEnv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") ?? getStringFromEnv("OTEL_EXPORTER_OTLP_PROTOCOL") ?? "http/protobuf";
  if (p === "http/protobuf" || p === "http/json" || p === "grpc") return p;
  diag.warn(`flowcept: unsupported OTLP protocol "${p}"; using http/protobuf`);
  return "http/protobuf";
}

function isUrl(s: string | undefined): s is string {
  if (!s) return false;
  try {
    new URL(s);
    return true;
  } catch {
    return false;
  }
}

/**
 * Where the OTLP exporter sends traces, by the specification's rules (for
 * messages; credentials hidden). A value that is not a URL is ignored, as
 * the exporters ignore it.
 */
export function otlpTracesEndpoint(protocol: OtlpProtocol): string {
  const signal = getStringFromEnv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
  if (isUrl(signal)) return redactUri(signal);
  const general = getStringFromEnv("OTEL_EXPORTER_OTLP_ENDPOINT");
  const base = isUrl(general) ? general : protocol === "grpc" ? "http://localhost:4317" : "http://localhost:4318";
  return redactUri(protocol === "grpc" ? base : `${base.replace(/\/+$/, "")}/v1/traces`);
}

/**
 * HTTP agents whose sockets do not keep the process alive (process end is
 * bounded by Flowcept, not by a connection), telling `onError` of
 * connection errors.
 */
function unrefAgentFactory(onError: (message: string) => void): (protocol: string) => HttpAgent {
  return (protocol) => unrefAgent(protocol, onError);
}

function unrefAgent(protocol: string, onError: (message: string) => void): HttpAgent {
  const agent = protocol === "http:" ? new HttpAgent({ keepAlive: true }) : new HttpsAgent({ keepAlive: true });
  const reuse = agent.reuseSocket.bind(agent);
  agent.reuseSocket = (socket, req) => {
    reuse(socket, req);
    (socket as Socket).unref();
  };
  const create = agent.createConnection.bind(agent) as (...args: unknown[]) => Socket;
  (agent as { createConnection: unknown }).createConnection = (...args: unknown[]) => {
    const socket = create(...args);
    socket?.unref?.();
    socket?.on?.("error", (err: Error) => onError(err.message));
    return socket;
  };
  return agent;
}

/**
 * The official OTLP exporter for `protocol`, or undefined (with a warning)
 * when its package is not installed. `onNetworkError` hears of HTTP
 * connection errors.
 */
export function otlpExporter(protocol: OtlpProtocol, onNetworkError: (message: string) => void = () => undefined): SpanExporter | undefined {
  let mod: OtlpExporterModule;
  try {
    mod = exporterModules[protocol]();
  } catch (err) {
    // Provenance is still recorded; only the trace view is missing.
    diag.error(`flowcept: spans are not exported: ${errorMessage(err).split("\n")[0]}`);
    return undefined;
  }
  return new mod.OTLPTraceExporter(protocol === "grpc" ? {} : { httpAgentOptions: unrefAgentFactory(onNetworkError) });
}

/** Span processors for the exporters named in the environment (or OTLP alone when `otlp` is true). */
export function tracePathFromEnv(otlp?: boolean): TracePath {
  const names = otlp === true ? ["otlp"] : otlp === false ? [] : tracesExportersFromEnv();
  const path: TracePath = { processors: [], bounded: [] };
  for (const name of names) {
    if (name === "console") {
      path.processors.push(new SimpleSpanProcessor(new ConsoleSpanExporter()));
    } else if (name === "otlp") {
      const protocol = otlpProtocolFromEnv();
      let networkError: string | undefined;
      const exporter = otlpExporter(protocol, (m) => (networkError = m));
      if (exporter === undefined) continue;
      const bounded = new BoundedSpanExporter(exporter, otlpTracesEndpoint(protocol), () => networkError);
      path.bounded.push(bounded);
      path.processors.push(new BatchSpanProcessor(bounded));
    } else {
      diag.warn(`flowcept: OTEL_TRACES_EXPORTER value "${name}" is not supported (use otlp, console or none); ignored`);
    }
  }
  return path;
}
