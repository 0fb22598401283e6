import { diag, type Attributes } from "@opentelemetry/api";
import { ATTR } from "../records/attributes.js";
import { captureConfig } from "./capture-config.js";
import { toJsonObject, type JsonSafeLimits } from "../records/json-safe.js";
import { fieldJson, generatedField, TaskBinder, type BindingOptions } from "./task-binding.js";
import { endTaskError, endTaskOk, startTaskSpan } from "./task-span.js";
import { taskTelemetry, wantTelemetry } from "./task-telemetry.js";
import { errorMessage } from "../util/error-message.js";
import { runTaskBody, type TaskBodyOptions } from "./run-task-body.js";
import type { AnyFunction } from "../util/any-function.js";

/** Options of {@link flowceptTask} and the other task wrappers (Flowcept's decorator arguments, in camelCase). */
export interface TaskOptions extends BindingOptions, TaskBodyOptions {
  /** Default: the function's name. */
  activityId?: string | undefined;
  tags?: string | readonly string[] | undefined;
  customMetadata?: Record<string, unknown> | undefined;
  subtype?: string | undefined;
  /** Overrides the current workflow. */
  workflowId?: string | undefined;
  /** Overrides the current campaign. */
  campaignId?: string | undefined;
  /** Per-call telemetry override; default: on when a `telemetry_capture` block is on. */
  captureTelemetry?: boolean | undefined;
  agentId?: string | undefined;
  sourceAgentId?: string | undefined;
  adapterId?: string | undefined;
}

/** Attributes that are the same for every call of one wrapped function. */
export function staticTaskAttributes(opts: TaskOptions, limits: JsonSafeLimits): Attributes {
  const a: Attributes = {};
  if (opts.subtype !== undefined) a[ATTR.SUBTYPE] = opts.subtype;
  if (opts.tags !== undefined) a[ATTR.TAGS] = typeof opts.tags === "string" ? [opts.tags] : [...opts.tags].map(String);
  if (opts.customMetadata !== undefined) a[ATTR.CUSTOM_METADATA] = JSON.stringify(toJsonObject(opts.customMetadata, limits));
  if (opts.agentId !== undefined) a[ATTR.AGENT_ID] = opts.agentId;
  if (opts.sourceAgentId !== undefined) a[ATTR.SOURCE_AGENT_ID] = opts.sourceAgentId;
  if (opts.adapterId !== undefined) a[ATTR.ADAPTER_ID] = opts.adapterId;
  return a;
}

/** Gives the wrapper the wrapped function's name and arity. */
export function keepIdentity<F extends Function>(wrapper: Function, fn: F): F {
  try {
    Object.defineProperty(wrapper, "name", { value: fn.name, configurable: true });
    Object.defineProperty(wrapper, "length", { value: fn.length, configurable: true });
  } catch {
    // non-configurable in exotic environments: keep the wrapper's own
  }
  return wrapper as F;
}

/** Splits the `(fn)` / `(opts, fn)` overloads. */
export function splitArgs<F>(a: TaskOptions | F, b: F | undefined): [TaskOptions, F] {
  return typeof a === "function" ? [{}, a as F] : [(a ?? {}) as TaskOptions, b as F];
}

function wrapTask<F extends AnyFunction>(fn: F, opts: TaskOptions): F {
  if (typeof fn !== "function") throw new TypeError("flowceptTask: expected a function to wrap");
  const activityId = opts.activityId ?? (fn.name || "anonymous");
  const binder = new TaskBinder(fn, opts);
  if (opts.captureTelemetry === true) wantTelemetry();
  let staticAttrs: Attributes | undefined;
  let staticFor: JsonSafeLimits | undefined;

  const wrapper = function (this: unknown, ...args: unknown[]): unknown {
    const cfg = captureConfig();
    if (!cfg.enabled) return fn.apply(this, args);
    const telemetry = taskTelemetry(opts.captureTelemetry, cfg.telemetry);
    let started;
    try {
      if (staticFor !== cfg.limits) {
        staticAttrs = staticTaskAttributes(opts, cfg.limits);
        staticFor = cfg.limits;
      }
      const attrs: Attributes = { ...staticAttrs, [ATTR.USED]: fieldJson(binder.used(args), cfg.limits, binder.ownsOutput) };
      started = startTaskSpan(activityId, attrs, telemetry, opts.workflowId, opts.campaignId);
    } catch (err) {
      diag.error(`flowcept: task ${activityId} not captured: ${errorMessage(err)}`);
      return fn.apply(this, args);
    }
    const span = started.span;
    return runTaskBody(
      started.context,
      fn,
      this,
      args,
      (value) => endTaskOk(span, generatedJson(binder, value, cfg.limits), telemetry),
      (err) => endTaskError(span, err, telemetry),
      opts,
    );
  };
  return keepIdentity(wrapper, fn);
}

/** `generated` JSON of a result; never throws. */
export function generatedJson(binder: TaskBinder, value: unknown, limits: JsonSafeLimits): string | undefined {
  const g = generatedField(binder, value, limits);
  return g === undefined ? undefined : JSON.stringify(g);
}

/**
 * Wraps a function as a provenance task (Flowcept's `@flowcept_task`). Each
 * call is an OTel span and a task record: arguments bound to parameter names
 * in `used`, the result in `generated`, status, times, parent task. The
 * wrapper has the same signature: sync stays sync, async stays async, `this`
 * is kept, results and errors are untouched.
 */
export function flowceptTask<F extends AnyFunction>(fn: F): F;
export function flowceptTask<F extends AnyFunction>(options: TaskOptions, fn: F): F;
export function flowceptTask<F extends AnyFunction>(a: TaskOptions | F, b?: F): F {
  const [opts, fn] = splitArgs(a, b);
  return wrapTask(fn, opts);
}

/** {@link flowceptTask} with telemetry captured at start and end (Flowcept's `@telemetry_flowcept_task`). */
export function telemetryFlowceptTask<F extends AnyFunction>(fn: F): F;
export function telemetryFlowceptTask<F extends AnyFunction>(options: TaskOptions, fn: F): F;
export function telemetryFlowceptTask<F extends AnyFunction>(a: TaskOptions | F, b?: F): F {
  const [opts, fn] = splitArgs(a, b);
  return wrapTask(fn, { ...opts, captureTelemetry: opts.captureTelemetry ?? true });
}
