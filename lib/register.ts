/**
 * `node --import flowcept-otel/register app.js` (or `--require` for
 * CommonJS): registers Flowcept's tracer provider before the application
 * starts, with no code change. Standard `OTEL_*` variables apply. A process
 * started with `TRACEPARENT` (and `BAGGAGE`) in its environment — see
 * `flowceptEnv()` — joins that workflow.
 */
import { diag } from "@opentelemetry/api";
import { registerFlowcept } from "./register-flowcept.js";
import { joinWorkflowFromEnv } from "./workflow-env.js";

try {
  registerFlowcept();
  joinWorkflowFromEnv();
} catch (err) {
  diag.error(`flowcept: registration failed: ${(err as Error)?.message ?? err}`);
}
