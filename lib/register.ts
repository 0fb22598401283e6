/**
 * `node --import flowcept-otel/register app.js` (or `--require` for
 * CommonJS): registers Flowcept's tracer provider before the application
 * starts, with no code change. Standard `OTEL_*` variables apply.
 * `FLOWCEPT_INSTRUMENTATIONS=mcp,tfjs,piscina` (or `instrumentation.auto` in
 * settings) also enables those library instrumentations. A process started
 * with `TRACEPARENT` (and `BAGGAGE`) in its environment — see
 * `flowceptEnv()` — joins that workflow.
 */
import { diag } from "@opentelemetry/api";
import "./index.js";
import { autoInstrumentations } from "../instrumentations/auto-instrumentations.js";
import { registerFlowcept } from "./pipeline/register-flowcept.js";
import { joinWorkflowFromEnv } from "./context/workflow-env.js";
import { errorMessage } from "./util/error-message.js";
import { installDefaultDiagLogger } from "./settings/default-diag-logger.js";

try {
  // Before the instrumentations are chosen, so that what they report is seen.
  installDefaultDiagLogger();
  registerFlowcept({ instrumentations: autoInstrumentations() });
  joinWorkflowFromEnv();
} catch (err) {
  diag.error(`flowcept: registration failed: ${errorMessage(err)}`);
}
