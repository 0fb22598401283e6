/**
 * `registerFlowcept({ instrumentations })` with one instrumentation created
 * disabled and one that fails; prints what became of them, as JSON.
 */
import { diag, DiagLogLevel } from "@opentelemetry/api";
import { registerFlowcept, type OtelInstrumentation } from "flowcept-otel";
import { PiscinaInstrumentation } from "flowcept-otel/instrumentations";
import { VERSION } from "../../lib/process/version.js";

const logged: string[] = [];
const keep = (m: string): void => void logged.push(m);
diag.setLogger({ error: keep, warn: keep, info: () => undefined, debug: () => undefined, verbose: () => undefined }, DiagLogLevel.WARN);

const off = new PiscinaInstrumentation({ enabled: false });
const wasEnabled = off.isEnabled();
const broken: OtelInstrumentation = {
  instrumentationName: "broken",
  setTracerProvider: () => {
    throw new Error("no provider wanted");
  },
  setMeterProvider: () => undefined,
  getConfig: () => ({}),
  enable: () => undefined,
};
const reg = registerFlowcept({ instrumentations: [broken, off] });
const tracer = (off as unknown as { tracer: unknown }).tracer;
const out = { wasEnabled, enabled: off.isEnabled(), providersTracer: tracer === reg.provider?.getTracer("flowcept-otel/instrumentation-piscina", VERSION), logged };
off.disable();
await reg.shutdown();
process.stdout.write(JSON.stringify(out));
