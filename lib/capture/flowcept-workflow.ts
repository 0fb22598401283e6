import { context, diag } from "@opentelemetry/api";
import { captureConfig } from "./capture-config.js";
import { Flowcept, type FlowceptOptions } from "./Flowcept.js";
import { flushBatchSpans } from "./batch-spans.js";
import { keepIdentity } from "./flowcept-task.js";
import { TaskBinder, type BindingOptions } from "./task-binding.js";
import { isThenable } from "./task-span.js";
import { flushAllSinks } from "../pipeline/record-sink.js";
import { errorMessage } from "../util/error-message.js";
import type { AnyFunction } from "../util/any-function.js";

/** Options of {@link flowceptWorkflow}: the controller's options plus how to record arguments and result. */
export interface WorkflowOptions extends FlowceptOptions, BindingOptions {}

/**
 * Wraps a "main" function as a workflow (Flowcept's `@flowcept`): every call
 * runs in its own workflow scope, with the call's arguments as the
 * workflow's `used` and its result as `generated`. Sync stays sync (records
 * are flushed in the background and at exit), async stays async (the
 * returned promise settles after the workflow's records are durable).
 */
export function flowceptWorkflow<F extends AnyFunction>(fn: F): F;
export function flowceptWorkflow<F extends AnyFunction>(options: WorkflowOptions, fn: F): F;
export function flowceptWorkflow<F extends AnyFunction>(a: WorkflowOptions | F, b?: F): F {
  const [opts, fn] = typeof a === "function" ? [{} as WorkflowOptions, a] : [a ?? {}, b as F];
  if (typeof fn !== "function") throw new TypeError("flowceptWorkflow: expected a function to wrap");
  const binder = new TaskBinder(fn, opts);
  const wrapper = function (this: unknown, ...args: unknown[]): unknown {
    if (!captureConfig().enabled) return fn.apply(this, args);
    let fc: Flowcept;
    let scope;
    try {
      fc = new Flowcept({ workflowName: fn.name || undefined, ...opts, workflowArgs: opts.workflowArgs ?? binder.used(args) });
      scope = fc.startSync(false);
    } catch (err) {
      diag.error(`flowcept: workflow ${fn.name} not captured: ${errorMessage(err)}`);
      return fn.apply(this, args);
    }
    const finish = (result: unknown, error: unknown, failed: boolean): void => {
      flushBatchSpans(fc.workflowId);
      fc.endSync(failed ? { error } : { generated: binder.generated(result) });
    };
    let result: unknown;
    try {
      result = context.with(scope.context, fn as AnyFunction, this as never, ...args);
    } catch (err) {
      finish(undefined, err, true);
      throw err;
    }
    if (isThenable(result)) {
      return result.then(
        async (value) => {
          finish(value, undefined, false);
          await flushAll();
          return value;
        },
        async (err: unknown) => {
          finish(undefined, err, true);
          await flushAll();
          throw err;
        },
      );
    }
    finish(result, undefined, false);
    return result;
  };
  return keepIdentity(wrapper, fn);
}

async function flushAll(): Promise<void> {
  await flushAllSinks();
}
