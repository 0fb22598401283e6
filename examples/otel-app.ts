/**
 * An application that already has OpenTelemetry: the Flowcept span
 * processor joins its own tracer provider, and spans of any
 * instrumentation become task records.
 *
 *   node dist/examples/otel-app.js
 */
import { trace } from "@opentelemetry/api";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { Flowcept, FlowceptSpanProcessor, flowceptTask, type TaskRecord } from "flowcept-otel";

// #region provider
const provider = new NodeTracerProvider({ spanProcessors: [new FlowceptSpanProcessor() /* , your BatchSpanProcessor… */] });
provider.register();

const tracer = trace.getTracer("my-app");
const resize = flowceptTask(function resize(width: number) {
  return width / 2;
});
await Flowcept.run({ workflowName: "traced_app" }, () => {
  tracer.startActiveSpan("load-image", { attributes: { "image.path": "cat.png" } }, (span) => {
    resize(640); // a child of the app's own span
    span.end();
  });
});
// #endregion provider
await provider.shutdown();

const tasks = Flowcept.readBufferFile().filter((r): r is TaskRecord => r.type === "task");
const load = tasks.find((t) => t.activity_id === "load-image")!;
const child = tasks.find((t) => t.activity_id === "resize")!;
console.log(`load-image used=${JSON.stringify(load.used)}; resize parent is load-image: ${child.parent_task_id === load.task_id}`);
