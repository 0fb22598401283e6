import { diag } from "@opentelemetry/api";
import { captureConfig } from "./capture-config.js";
import { Flowcept, type FlowceptOptions, type StopOptions } from "./Flowcept.js";
import { flushBatchSpans } from "./batch-spans.js";
import { keepIdentity } from "./flowcept-task.js";
import { TaskBinder, type BindingOptions } from "./task-binding.js";
import { runTaskBody, type TaskBodyOptions } from "./run-task-body.js";
import { flushAllSinks } from "../pipeline/record-sink.js";
import { errorMessage } from "../util/error-message.js";
import type { AnyFunction } from "../util/any-function.js";

/** Options of {@link flowceptWorkflow}: the controller's options plus how to record arguments and result. */
export interface WorkflowOptions extends FlowceptOptions, BindingOptions, TaskBodyOptions {}

/**
 * Wraps a "main" function as a workflow (Flowcept's `@flowcept`): every call
 * runs in its own workflow scope, with the call's arguments as the
 * workflow's `used` and its result as `generated`. The wrapper returns
 * exactly what the function returns (the same promise for an async
 * function); the workflow ends when the result settles, and its records are
 * flushed then in the background and at exit (`Flowcept.run` and `stop()`
 * wait for them instead).
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
    const finish = (stop: StopOptions): void => {
      try {
        flushBatchSpans(fc.workflowId);
        fc.endSync(stop);
        flushAllSinks().catch((err: unknown) => diag.warn(`flowcept: records of workflow ${fc.workflowId} not flushed yet: ${errorMessage(err)}`));
      } catch (err) {
        diag.error(`flowcept: workflow ${fc.workflowId} not ended cleanly: ${errorMessage(err)}`);
      }
    };
    return runTaskBody(
      scope.context,
      fn,
      this,
      args,
      (value) => finish({ generated: generatedOf(binder, value) }),
      (error) => finish({ error }),
      opts,
    );
  };
  return keepIdentity(wrapper, fn);
}

function generatedOf(binder: TaskBinder, value: unknown): Record<string, unknown> | undefined {
  try {
    return binder.generated(value);
  } catch (err) {
    return { error: `result not recorded: ${errorMessage(err)}` };
  }
}
