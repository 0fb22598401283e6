/**
 * Which workflow a piece of code belongs to. A scope lives in the OTel
 * context (so concurrent `Flowcept.run` scopes stay apart across `await`s);
 * else it is named by the context's W3C baggage; else the most recent
 * ambient scope (`start()` without a callback) applies.
 */
import { context, createContextKey, trace, type Context, type Span } from "@opentelemetry/api";
import { scopeFromBaggage } from "./workflow-baggage.js";
import type { WorkflowScope } from "./workflow-scope.js";

const SCOPE_KEY = createContextKey("flowcept.workflow_scope");
const ambient: WorkflowScope[] = [];
let implicitFactory: (() => WorkflowScope | undefined) | undefined;
let implicit: WorkflowScope | undefined;
let creating = false;

/** A context carrying `scope` (and its root span) on top of `parent`. */
export function contextWithScope(parent: Context, scope: WorkflowScope, root: Span): Context {
  return trace.setSpan(parent.setValue(SCOPE_KEY, scope), root);
}

/** The scope stored in a context, without the ambient fallback. */
export function scopeInContext(ctx: Context): WorkflowScope | undefined {
  return ctx.getValue(SCOPE_KEY) as WorkflowScope | undefined;
}

/** `ctx` without the scope stored in it (a remote parent's baggage names the workflow instead). */
export function withoutScope(ctx: Context): Context {
  return ctx.getValue(SCOPE_KEY) === undefined ? ctx : ctx.deleteValue(SCOPE_KEY);
}

/** Running workflows of this process by trace id: a span of a workflow's trace belongs to it. */
const running = new Map<string, WorkflowScope>();

/** Makes a workflow of this process known by its trace id while it runs (or forgets it). */
export function setRunning(scope: WorkflowScope, on: boolean): void {
  if (on) running.set(scope.traceId, scope);
  else if (running.get(scope.traceId) === scope) running.delete(scope.traceId);
}

function scopeByTrace(ctx: Context): WorkflowScope | undefined {
  if (running.size === 0) return undefined;
  const sc = trace.getSpanContext(ctx);
  return sc === undefined ? undefined : running.get(sc.traceId);
}

/**
 * The scope of `ctx` (default: the active context); else the workflow named
 * by its W3C baggage (a request from another process's workflow); else the
 * running workflow whose trace the context's span is in (a request from
 * this process's own workflow, through propagators that carry no
 * baggage); else the most recently started ambient scope.
 */
export function currentScope(ctx: Context = context.active()): WorkflowScope | undefined {
  return (ctx.getValue(SCOPE_KEY) as WorkflowScope | undefined) ?? scopeFromBaggage(ctx) ?? scopeByTrace(ctx) ?? ambient[ambient.length - 1];
}

/**
 * Sets how the process's implicit workflow is made (by the capture API):
 * the workflow of tasks and spans recorded outside any other.
 */
export function setImplicitWorkflowFactory(factory: () => WorkflowScope | undefined): void {
  implicitFactory = factory;
}

/** The process's implicit workflow, when something was recorded outside any other workflow. */
export function startedImplicitScope(): WorkflowScope | undefined {
  return implicit;
}

/**
 * The workflow a task or span started now belongs to: the current scope
 * (see {@link currentScope}), else the process's implicit workflow, started
 * on first need — one per process.
 */
export function taskScope(ctx: Context = context.active()): WorkflowScope | undefined {
  const scope = currentScope(ctx);
  if (scope !== undefined || implicit !== undefined) return scope ?? implicit;
  if (implicitFactory === undefined || creating) return undefined;
  creating = true;
  try {
    implicit = implicitFactory();
  } finally {
    creating = false;
  }
  return implicit;
}

/**
 * The context a task started now should have as parent: the active context
 * when it carries a scope or a span, else the ambient scope's context.
 */
export function taskParentContext(): Context {
  const ctx = context.active();
  if (ctx.getValue(SCOPE_KEY) !== undefined || trace.getSpan(ctx) !== undefined) return ctx;
  const amb = ambient[ambient.length - 1];
  return amb ? amb.context : ctx;
}

/** Makes a scope ambient (for code outside any `Flowcept.run` callback). */
export function pushAmbientScope(scope: WorkflowScope): void {
  ambient.push(scope);
}

/** Removes a scope from the ambient stack. */
export function removeAmbientScope(scope: WorkflowScope): void {
  const i = ambient.lastIndexOf(scope);
  if (i !== -1) ambient.splice(i, 1);
}
