import { context, diag, propagation, trace, type TextMapPropagator, type Tracer } from "@opentelemetry/api";
import { registerInstrumentations, type Instrumentation } from "@opentelemetry/instrumentation";
import { defaultResource, detectResources, envDetector, resourceFromAttributes, type Resource } from "@opentelemetry/resources";
import { BatchSpanProcessor, type SpanProcessor } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { onProcessEnd } from "../process/exit-hooks.js";
import { FlowceptIdGenerator } from "../context/FlowceptIdGenerator.js";
import { optionalPeer } from "../util/optional-peer.js";
import { FlowceptPropagator } from "../context/FlowceptPropagator.js";
import { FlowceptSpanProcessor, type FlowceptSpanProcessorOptions } from "./FlowceptSpanProcessor.js";
import { isLive, PROBE_SPAN_NAME, probeSink, setCaptureSink } from "./record-sink.js";
import { errorMessage } from "../util/error-message.js";
import { HOSTNAME } from "../process/host-info.js";
import { TRACER_NAME, VERSION } from "../process/version.js";

/** Options of {@link registerFlowcept}. */
export interface RegisterFlowceptOptions {
  /** The Flowcept processor, or options to build one. */
  processor?: FlowceptSpanProcessor | FlowceptSpanProcessorOptions | undefined;
  /** More span processors (e.g. a `BatchSpanProcessor` to your own exporter). */
  spanProcessors?: SpanProcessor[] | undefined;
  /**
   * Also export spans over OTLP/HTTP with the official exporter. Default: on
   * when `OTEL_TRACES_EXPORTER` names `otlp` or an `OTEL_EXPORTER_OTLP_*ENDPOINT`
   * variable is set (and `OTEL_TRACES_EXPORTER` is not `none`).
   */
  otlp?: boolean | undefined;
  /** `service.name`; default `OTEL_SERVICE_NAME`, else `flowcept`. */
  serviceName?: string | undefined;
  /** Extra resource attributes. */
  resource?: Resource | undefined;
  /** OTel instrumentations to enable with this provider. */
  instrumentations?: Instrumentation[] | undefined;
  /**
   * The global propagator. Default: {@link FlowceptPropagator} (W3C trace
   * context and baggage, the baggage carrying the workflow and campaign ids
   * to the processes this one calls).
   */
  propagator?: TextMapPropagator | undefined;
}

/** What {@link registerFlowcept} set up. */
export interface FlowceptRegistration {
  provider: NodeTracerProvider;
  processor: FlowceptSpanProcessor;
  /** Flushes and shuts the provider down. */
  shutdown(): Promise<void>;
}

const otlpHttp = optionalPeer<typeof import("@opentelemetry/exporter-trace-otlp-http")>("@opentelemetry/exporter-trace-otlp-http", "OTLP export (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_TRACES_EXPORTER=otlp)");

let registration: FlowceptRegistration | undefined;
let privateProvider: NodeTracerProvider | undefined;
let privateProcessor: FlowceptSpanProcessor | undefined;
let registeredGlobally: NodeTracerProvider | undefined;
let cachedTracer: Tracer | undefined;

/** Whether some tracer provider is registered with the global OTel API. */
export function globalTracerProviderIsSet(): boolean {
  // The API keeps its registrations on this well-known global, shared by all copies of @opentelemetry/api 1.x.
  const g = (globalThis as Record<symbol, { trace?: unknown } | undefined>)[Symbol.for("opentelemetry.js.api.1")];
  return g?.trace !== undefined;
}

function otlpWanted(): boolean {
  const exporters = (process.env.OTEL_TRACES_EXPORTER ?? "").split(",").map((s) => s.trim().toLowerCase());
  if (exporters.includes("none")) return false;
  if (exporters.includes("otlp")) return true;
  return Boolean(process.env.OTEL_EXPORTER_OTLP_ENDPOINT || process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

function buildResource(opts: RegisterFlowceptOptions): Resource {
  let r = defaultResource().merge(resourceFromAttributes({ "service.name": "flowcept", "host.name": HOSTNAME, "process.pid": process.pid }));
  r = r.merge(detectResources({ detectors: [envDetector] }));
  if (opts.serviceName) r = r.merge(resourceFromAttributes({ "service.name": opts.serviceName }));
  if (opts.resource) r = r.merge(opts.resource);
  return r;
}

function buildProvider(opts: RegisterFlowceptOptions, processor: FlowceptSpanProcessor): NodeTracerProvider {
  const processors: SpanProcessor[] = [processor, ...(opts.spanProcessors ?? [])];
  if (opts.otlp ?? otlpWanted()) {
    try {
      processors.push(new BatchSpanProcessor(new (otlpHttp().OTLPTraceExporter)()));
    } catch (err) {
      // Provenance is still recorded; only the trace path is missing.
      diag.error(`flowcept: spans are not exported over OTLP: ${errorMessage(err)}`);
    }
  }
  return new NodeTracerProvider({ resource: buildResource(opts), idGenerator: new FlowceptIdGenerator(), spanProcessors: processors });
}

/**
 * Builds a `NodeTracerProvider` with the Flowcept processor (plus OTLP export
 * when the standard `OTEL_*` variables ask for it) and registers it globally
 * with the async-hooks context manager and W3C propagators. When this
 * process already registered one, returns that registration.
 */
export function registerFlowcept(opts: RegisterFlowceptOptions = {}): FlowceptRegistration {
  if (registration) return registration;
  const processor = opts.processor instanceof FlowceptSpanProcessor ? opts.processor : new FlowceptSpanProcessor(opts.processor);
  const provider = buildProvider(opts, processor);
  if (globalTracerProviderIsSet()) {
    diag.warn("flowcept: a tracer provider is already registered; Flowcept's spans use the provider registerFlowcept() built, other spans are not recorded (add a FlowceptSpanProcessor to your provider instead)");
    privateProvider = provider;
  } else {
    provider.register({ propagator: opts.propagator ?? new FlowceptPropagator() });
    registeredGlobally = provider;
  }
  if (opts.instrumentations?.length) registerInstrumentations({ instrumentations: opts.instrumentations, tracerProvider: provider });
  // The trace path (e.g. OTLP) is flushed before a normal exit; the provenance path also at `exit` and on signals.
  const unregisterExit = onProcessEnd({ beforeExit: () => provider.forceFlush(), exitSync: () => undefined });
  const reg: FlowceptRegistration = {
    provider,
    processor,
    shutdown: async () => {
      unregisterExit();
      await provider.shutdown();
      if (registeredGlobally === provider) {
        // Lets a later registerFlowcept() register again (tests, restarts inside one process).
        trace.disable();
        context.disable();
        propagation.disable();
        registeredGlobally = undefined;
      }
      if (registration === reg) registration = undefined;
      if (privateProvider === provider) privateProvider = undefined;
      cachedTracer = undefined;
    },
  };
  registration = reg;
  setCaptureSink(processor.pipeline);
  cachedTracer = undefined;
  return reg;
}

/**
 * Makes sure Flowcept spans are recorded: nothing to do when the provider
 * the capture API uses has a Flowcept processor (ours, or the one the user
 * added to theirs — found with a probe span that is never ended); registers
 * Flowcept's provider when the application has none; and when the
 * application's provider has no Flowcept processor, records Flowcept's spans
 * through a private provider so nothing is lost.
 */
export function ensureFlowceptPipeline(): void {
  if (registration && isLive(registration.processor.pipeline)) {
    setCaptureSink(registration.processor.pipeline);
    return;
  }
  if (privateProcessor && isLive(privateProcessor.pipeline)) {
    setCaptureSink(privateProcessor.pipeline);
    return;
  }
  if (!globalTracerProviderIsSet()) {
    registerFlowcept();
    return;
  }
  const wired = probeSink(() => trace.getTracer(TRACER_NAME, VERSION).startSpan(PROBE_SPAN_NAME));
  if (wired) {
    setCaptureSink(wired);
    return;
  }
  diag.warn("flowcept: the registered tracer provider has no FlowceptSpanProcessor; Flowcept records its own spans through a private provider (add `new FlowceptSpanProcessor()` to your provider to record all spans and see Flowcept's in your traces)");
  privateProcessor = new FlowceptSpanProcessor();
  privateProvider = new NodeTracerProvider({
    resource: buildResource({}),
    idGenerator: new FlowceptIdGenerator(),
    spanProcessors: [privateProcessor],
  });
  setCaptureSink(privateProcessor.pipeline);
  cachedTracer = undefined;
}

/** The tracer the capture API uses. */
export function flowceptTracer(): Tracer {
  return (cachedTracer ??= (privateProvider ?? trace).getTracer(TRACER_NAME, VERSION));
}

/** Whether Flowcept's spans get their ids from {@link FlowceptIdGenerator} (so a workflow can choose its trace id). */
export function usesFlowceptIds(): boolean {
  return privateProvider !== undefined || registration !== undefined;
}
