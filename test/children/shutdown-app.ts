/** Registers Flowcept with an OTLP endpoint from the environment, records one task, and reports how `shutdown()` ended. */
import { configure, Flowcept, flowceptTask, registerFlowcept } from "flowcept-otel";

configure({ project: { dump_buffer: { path: process.env.BUFFER_PATH! } } });
const reg = registerFlowcept({ exitTimeoutMillis: 500 });
const double = flowceptTask(function double(x: number) {
  return x * 2;
});
await Flowcept.run({ workflowName: "shutdown_demo" }, () => double(21));
try {
  await reg.shutdown();
  process.stdout.write("resolved\n");
} catch (err) {
  process.stdout.write(`rejected: ${String(err)}\n`);
}
