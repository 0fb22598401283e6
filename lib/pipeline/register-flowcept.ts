import { context, diag, metrics, propagation, trace, type MeterProvider, type TextMapPropagator, type Tracer, type TracerProvider } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { getBooleanFromEnv } from "@opentelemetry/core";
import { defaultResource, detectResources, envDetector, resourceFromAttributes, type Resource } from "@opentelemetry/resources";
import type { SpanProcessor } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { onProcessEnd } from "../process/exit-hooks.js";
import { FlowceptIdGenerator } from "../context/FlowceptIdGenerator.js";
import { FlowceptPropagator } from "../context/FlowceptPropagator.js";
import { installDefaultDiagLogger } from "../settings/default-diag-logger.js";
import { getSettingsSafe } from "../settings/settings-loader.js";
import { FlowceptSpanProcessor, type FlowceptSpanProcessorOptions } from "./FlowceptSpanProcessor.js";
import { activeSink, setCaptureSink } from "./record-sink.js";
import { RecordPipeline } from "./RecordPipeline.js";
import { tracePathFromEnv } from "./trace-exporters.js";
import type { BoundedSpanExporter } from "./BoundedSpanExporter.js";
import { HOSTNAME } from "../process/host-info.js";
import { TRACER_NAME, VERSION } from "../process/version.js";
import { errorMessage } from "../util/error-message.js";

/**
 * What {@link registerFlowcept} needs of an OTel instrumentation (an
 * `Instrumentation` of `@opentelemetry/instrumentation`, such as
 * `McpInstrumentation`), so that the package is needed only by those who use one.
 */
export interface OtelInstrumentation {
  /** Named in the error when it cannot be enabled. */
  readonly instrumentationName?: string | undefined;
  /** Given the registered provider (Flowcept's, or the application's). */
  setTracerProvider(tracerProvider: TracerProvider): void;
  /** Given the global meter provider. */
  setMeterProvider(meterProvider: MeterProvider): void;
  /** Read to enable one created disabled. */
  getConfig(): { enabled?: boolean | undefined };
  /** Starts instrumenting. */
  enable(): void;
}

/** Options of {@link registerFlowcept}. */
export interface RegisterFlowceptOptions {
  /** The Flowcept processor, or options to build one. */
  processor?: FlowceptSpanProcessor | FlowceptSpanProcessorOptions | undefined;
  /** More span processors (e.g. a `BatchSpanProcessor` to your own exporter). */
  spanProcessors?: SpanProcessor[] | undefined;
  /**
   * Export spans over OTLP with the official exporter (protocol from
   * `OTEL_EXPORTER_OTLP_[TRACES_]PROTOCOL`). Default: as `OTEL_TRACES_EXPORTER`
   * says; when it is unset, on when an `OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT`
   * variable is set.
   */
  otlp?: boolean | undefined;
  /** `service.name`; default `OTEL_SERVICE_NAME`, else `flowcept`. */
  serviceName?: string | undefined;
  /** Extra resource attributes. */
  resource?: Resource | undefined;
  /** OTel instrumentations to enable with this provider. */
  instrumentations?: OtelInstrumentation[] | undefined;
  /**
   * The global propagator. Default: {@link FlowceptPropagator} (W3C trace
   * context and baggage, the baggage carrying the workflow and campaign ids
   * to the processes this one calls).
   */
  propagator?: TextMapPropagator | undefined;
  /**
   * Longest wait, in milliseconds, for the trace path (OTLP) when the process
   * ends. Default: settings `otel.exit_timeout_ms` (1000).
   */
  exitTimeoutMillis?: number | undefined;
}

/** What {@link registerFlowcept} set up. */
export interface FlowceptRegistration {
  /**
   * The tracer provider Flowcept registered; undefined when the application
   * registered its own first (Flowcept's spans then go through it) or when
   * `OTEL_SDK_DISABLED=true`.
   */
  provider: NodeTracerProvider | undefined;
  processor: FlowceptSpanProcessor;
  /** Flushes and shuts the provider down. */
  shutdown(): Promise<void>;
}

/** How the capture API makes the OTel side of its spans. */
export interface FlowceptTracer {
  /** The tracer of the registered provider; undefined when no span would be seen by anyone (ids only). */
  readonly tracer: Tracer | undefined;
  /** Whether a workflow's root span can be given the workflow's ids (see `FlowceptIdGenerator`). */
  readonly forcedIds: boolean;
}

let registration: FlowceptRegistration | undefined;
/** Flowcept's own provider when it has no span processor but Flowcept's: nobody sees its spans. */
let silentProvider: NodeTracerProvider | undefined;
let tracerFor: unknown;
let cachedTracer: FlowceptTracer | undefined;

const API_KEY = Symbol.for("opentelemetry.js.api.1");

function apiGlobal(): { trace?: { getDelegate?: () => unknown } } | undefined {
  // The API keeps its registrations on this well-known global, shared by all copies of @opentelemetry/api 1.x.
  return (globalThis as Record<symbol, { trace?: { getDelegate?: () => unknown } } | undefined>)[API_KEY];
}

/** Whether some tracer provider is registered with the global OTel API. */
export function globalTracerProviderIsSet(): boolean {
  return apiGlobal()?.trace !== undefined;
}

/** `OTEL_SDK_DISABLED=true`: the OTel SDK is off (no tracer provider, no spans exported); provenance is not. */
export function sdkDisabled(): boolean {
  return getBooleanFromEnv("OTEL_SDK_DISABLED") === true;
}

function buildResource(opts: RegisterFlowceptOptions): Resource {
  // OTEL_RESOURCE_ATTRIBUTES, then OTEL_SERVICE_NAME (which wins over a service.name among them), then code.
  let r = defaultResource().merge(resourceFromAttributes({ "service.name": "flowcept", "host.name": HOSTNAME, "process.pid": process.pid }));
  r = r.merge(detectResources({ detectors: [envDetector] }));
  if (opts.serviceName) r = r.merge(resourceFromAttributes({ "service.name": opts.serviceName }));
  if (opts.resource) r = r.merge(opts.resource);
  return r;
}

/** The context manager and propagator Flowcept needs even with no tracer provider of its own. */
function ensureContextApis(propagator: TextMapPropagator | undefined): void {
  const g = apiGlobal() as Record<string, unknown> | undefined;
  if (g?.context === undefined) context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  if (g?.propagation === undefined) propagation.setGlobalPropagator(propagator ?? new FlowceptPropagator());
}

/** The trace path of Flowcept's provider: its span processors other than Flowcept's, and the network exporters among them. */
interface TracePathParts {
  processors: SpanProcessor[];
  bounded: BoundedSpanExporter[];
}

function flushAll(processors: SpanProcessor[]): Promise<boolean> {
  return Promise.all(processors.map((p) => p.forceFlush())).then(
    () => true,
    () => true,
  );
}

/** Waits for the trace path at most `bound` ms; what is still unsent then is given up and counted. */
async function flushTracePath(path: TracePathParts, bound: number): Promise<void> {
  if (path.processors.length === 0) return;
  for (const b of path.bounded) b.beginExit();
  let timer: NodeJS.Timeout | undefined;
  const inTime = await Promise.race([flushAll(path.processors), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), bound)))]);
  clearTimeout(timer);
  if (!inTime) {
    for (const b of path.bounded) b.abandon();
    // Batches still queued go to the abandoned exporters, which answer (and count them) at once.
    await flushAll(path.processors);
  }
  for (const b of path.bounded) b.reportAtExit();
}

/**
 * As OTel's `registerInstrumentations` does (they already got the global logger provider when created).
 * Each is enabled on its own: one that fails is reported and the others are enabled.
 */
function enableInstrumentations(instrumentations: readonly OtelInstrumentation[], provider: TracerProvider): void {
  for (const i of instrumentations) {
    try {
      i.setTracerProvider(provider);
      i.setMeterProvider(metrics.getMeterProvider());
      // Created enabled unless their config said otherwise; registering enables them all.
      if (!i.getConfig().enabled) i.enable();
    } catch (err) {
      diag.error(`flowcept: instrumentation ${i.instrumentationName ?? "(unnamed)"} not enabled: ${errorMessage(err)}`);
    }
  }
}

/**
 * Sets Flowcept up in this process: the Flowcept processor and its record
 * pipeline (which the capture API records to), and — when the application
 * has no tracer provider of its own and the OTel SDK is not disabled — a
 * `NodeTracerProvider` registered globally with the async-hooks context
 * manager, W3C propagation and the trace exporters that OTel's environment
 * asks for. When the application registered its own provider, Flowcept's
 * spans go through it (add a `FlowceptSpanProcessor` to it to also record
 * the spans of other instrumentations). When this process already
 * registered, returns that registration.
 */
export function registerFlowcept(opts: RegisterFlowceptOptions = {}): FlowceptRegistration {
  if (registration) return registration;
  installDefaultDiagLogger();
  const processor = opts.processor instanceof FlowceptSpanProcessor ? opts.processor : new FlowceptSpanProcessor(opts.processor);
  let provider: NodeTracerProvider | undefined;
  const tracePath: TracePathParts = { processors: [], bounded: [] };
  if (sdkDisabled()) {
    diag.info("flowcept: OTEL_SDK_DISABLED=true: no tracer provider, no spans exported; provenance records are still captured");
    ensureContextApis(opts.propagator);
  } else if (globalTracerProviderIsSet()) {
    diag.info("flowcept: the application's tracer provider is registered: Flowcept's spans go through it; add a FlowceptSpanProcessor to it to also record the spans of other instrumentations");
    ensureContextApis(opts.propagator);
  } else {
    const path = tracePathFromEnv(opts.otlp);
    const others = [...(opts.spanProcessors ?? []), ...path.processors];
    provider = new NodeTracerProvider({ resource: buildResource(opts), idGenerator: new FlowceptIdGenerator(), spanProcessors: [processor, ...others] });
    provider.register({ propagator: opts.propagator ?? new FlowceptPropagator() });
    tracePath.processors = others;
    tracePath.bounded = path.bounded;
    silentProvider = others.length === 0 ? provider : undefined;
  }
  enableInstrumentations(opts.instrumentations ?? [], provider ?? trace.getTracerProvider());
  const bound = Math.max(0, opts.exitTimeoutMillis ?? getSettingsSafe().otel.exit_timeout_ms);
  const p = provider;
  const unregisterExit = p
    ? onProcessEnd({
        beforeExit: () => flushTracePath(tracePath, bound),
        exitSync: () => {
          for (const b of tracePath.bounded) b.reportAtExit();
        },
      })
    : () => undefined;
  const reg: FlowceptRegistration = {
    provider,
    processor,
    shutdown: async () => {
      unregisterExit();
      if (p) {
        await flushTracePath(tracePath, Math.max(bound, 30_000));
        await p.shutdown();
        // Lets a later registerFlowcept() register again (tests, restarts inside one process).
        trace.disable();
        context.disable();
        propagation.disable();
      } else await processor.shutdown();
      if (silentProvider === p) silentProvider = undefined;
      if (registration === reg) registration = undefined;
      cachedTracer = undefined;
    },
  };
  registration = reg;
  setCaptureSink(processor.pipeline);
  cachedTracer = undefined;
  return reg;
}

/**
 * Makes sure the capture API has a record pipeline: the live one it
 * records to already (Flowcept's, or that of a `FlowceptSpanProcessor` the
 * application added to its provider); else Flowcept's registration when the
 * application has no tracer provider; else a pipeline of its own beside the
 * application's provider, which traces Flowcept's spans.
 */
export function ensureFlowceptPipeline(): void {
  if (activeSink() !== undefined) return;
  if (sdkDisabled() || !globalTracerProviderIsSet()) {
    registerFlowcept();
    return;
  }
  installDefaultDiagLogger();
  diag.info("flowcept: the application's tracer provider traces Flowcept's spans; their records go to Flowcept's exporters");
  setCaptureSink(new RecordPipeline());
}

/** The delegate of the global tracer provider (the application's, Flowcept's, or none). */
function currentProvider(): unknown {
  const p = apiGlobal()?.trace;
  return p?.getDelegate ? p.getDelegate() : p;
}

function resolveTracer(provider: unknown): FlowceptTracer {
  if (provider === undefined || sdkDisabled()) return { tracer: undefined, forcedIds: true };
  if (provider === silentProvider) return { tracer: undefined, forcedIds: true };
  const tracer = trace.getTracer(TRACER_NAME, VERSION);
  if (provider === registration?.provider) return { tracer, forcedIds: true };
  // The application's SDK tracer: its id generator keeps every id but a workflow root's.
  const sdk = tracer as { _idGenerator?: unknown };
  const gen = sdk._idGenerator as FlowceptIdGenerator | { generateTraceId?: unknown; generateSpanId?: unknown } | undefined;
  if (gen instanceof FlowceptIdGenerator) return { tracer, forcedIds: true };
  if (gen !== undefined && typeof gen.generateTraceId === "function" && typeof gen.generateSpanId === "function") {
    sdk._idGenerator = new FlowceptIdGenerator(gen as ConstructorParameters<typeof FlowceptIdGenerator>[0]);
    return { tracer, forcedIds: true };
  }
  return { tracer, forcedIds: false };
}

/** The tracer the capture API uses (cheap: cached while the registered provider stays the same). */
export function flowceptTracer(): FlowceptTracer {
  const provider = currentProvider();
  if (cachedTracer !== undefined && tracerFor === provider) return cachedTracer;
  tracerFor = provider;
  return (cachedTracer = resolveTracer(provider));
}
