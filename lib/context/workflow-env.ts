/**
 * The workflow in environment variables, for child processes:
 * `TRACEPARENT`, `TRACESTATE` and `BAGGAGE` (the W3C headers as variables,
 * the convention OTel uses for processes). `flowceptEnv()` writes them from
 * the current context; `flowcept-otel/register` reads them in the child, so
 * its tasks join the parent's workflow under the spawning task.
 */
import { defaultTextMapGetter, defaultTextMapSetter, diag, propagation, ROOT_CONTEXT, trace, type Context } from "@opentelemetry/api";
import { FlowceptPropagator } from "./FlowceptPropagator.js";
import { traceIdToUuid, taskIdOf } from "../records/ids.js";
import { baggageWorkflow, withWorkflowBaggage } from "./workflow-baggage.js";
import { remoteScope } from "./workflow-scope.js";
import { contextWithScope, currentScope, pushAmbientScope, taskParentContext } from "./current-scope.js";
import { type WorkflowScope } from "./workflow-scope.js";
import { errorMessage } from "../util/error-message.js";

/** Variables that carry a workflow into a child process. */
export interface FlowceptEnv {
  TRACEPARENT?: string | undefined;
  TRACESTATE?: string | undefined;
  BAGGAGE?: string | undefined;
}

const fallback = new FlowceptPropagator();

/**
 * The variables to add to a child process's environment so that its tasks
 * join the current workflow, with the current task as their parent:
 * `spawn(cmd, args, { env: { ...process.env, ...flowceptEnv() } })` and run
 * the child with `node --import flowcept-otel/register`. Uses the globally
 * registered propagator (W3C by default); fills in what it does not write.
 * Empty outside any task or workflow.
 */
export function flowceptEnv(ctx: Context = taskParentContext()): FlowceptEnv {
  const carrier: Record<string, string> = {};
  try {
    const withIds = withWorkflowBaggage(ctx, currentScope(ctx));
    propagation.inject(withIds, carrier, defaultTextMapSetter);
    if (carrier.traceparent === undefined || (carrier.baggage === undefined && currentScope(ctx) !== undefined)) {
      fallback.inject(withIds, carrier, defaultTextMapSetter);
    }
  } catch (err) {
    diag.error(`flowcept: could not write the workflow into the environment: ${errorMessage(err)}`);
  }
  const env: FlowceptEnv = {};
  if (carrier.traceparent) env.TRACEPARENT = carrier.traceparent;
  if (carrier.tracestate) env.TRACESTATE = carrier.tracestate;
  if (carrier.baggage) env.BAGGAGE = carrier.baggage;
  return env;
}

/**
 * Joins the workflow named by `TRACEPARENT` / `BAGGAGE` in `env` (as
 * `flowcept-otel/register` does at start): the workflow becomes this
 * process's ambient one, and tasks started outside any other workflow get
 * the spawning task as parent. The workflow id comes from the baggage, else
 * from the trace id (a workflow's trace id is its UUID). Returns the scope,
 * or undefined when the environment names no valid parent.
 */
export function joinWorkflowFromEnv(env: NodeJS.ProcessEnv = process.env): WorkflowScope | undefined {
  const traceparent = env.TRACEPARENT ?? env.traceparent;
  if (!traceparent) return undefined;
  const carrier: Record<string, string> = { traceparent };
  const tracestate = env.TRACESTATE ?? env.tracestate;
  const baggage = env.BAGGAGE ?? env.baggage;
  if (tracestate) carrier.tracestate = tracestate;
  if (baggage) carrier.baggage = baggage;
  const ctx = fallback.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter);
  const parent = trace.getSpanContext(ctx);
  if (parent === undefined || !trace.isSpanContextValid(parent)) {
    diag.warn(`flowcept: TRACEPARENT "${traceparent}" is not a valid W3C traceparent; not joining a workflow`);
    return undefined;
  }
  const ids = baggageWorkflow(propagation.getBaggage(ctx)) ?? { workflowId: traceIdToUuid(parent.traceId) };
  const root = remoteScope(ids.workflowId, ids.campaignId, ROOT_CONTEXT);
  // Spawned by the workflow itself rather than by one of its tasks: no parent task.
  const scope = parent.spanId === root.rootSpanId ? root : remoteScope(ids.workflowId, ids.campaignId, ROOT_CONTEXT, taskIdOf(parent.traceId, parent.spanId));
  scope.context = contextWithScope(ctx, scope, trace.wrapSpanContext(parent));
  pushAmbientScope(scope);
  return scope;
}
