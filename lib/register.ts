/**
 * `node --import flowcept-otel/register app.js` (or `--require` for
 * CommonJS): registers Flowcept's tracer provider before the application
 * starts, with no code change. Standard `OTEL_*` variables apply.
 */
import { diag } from "@opentelemetry/api";
import { registerFlowcept } from "./register-flowcept.js";

try {
  registerFlowcept();
} catch (err) {
  diag.error(`flowcept: registration failed: ${(err as Error)?.message ?? err}`);
}
