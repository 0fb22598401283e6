import { flowceptTask, type TaskOptions } from "./flowcept-task.js";
import { flowceptWorkflow, type WorkflowOptions } from "./flowcept-workflow.js";
import type { AnyFunction } from "../util/any-function.js";

function isDecoratorContext(v: unknown): v is ClassMethodDecoratorContext {
  return typeof v === "object" && v !== null && (v as { kind?: unknown }).kind === "method";
}

/**
 * Standard (TC39) method decorator: each call of the method is a task, as
 * with {@link flowceptTask}; `activityId` defaults to the method's name.
 * Use as `@task()` or `@task({ outputNames: "y" })` (or bare `@task`).
 */
export function task<M extends AnyFunction>(method: M, ctx: ClassMethodDecoratorContext): M;
export function task(options?: TaskOptions): <M extends AnyFunction>(method: M, ctx: ClassMethodDecoratorContext) => M;
export function task(a?: TaskOptions | AnyFunction, b?: ClassMethodDecoratorContext): unknown {
  if (typeof a === "function" && isDecoratorContext(b)) return flowceptTask({ activityId: String(b.name) }, a);
  const opts = (a ?? {}) as TaskOptions;
  return <M extends AnyFunction>(method: M, ctx: ClassMethodDecoratorContext): M => flowceptTask({ activityId: String(ctx.name), ...opts }, method);
}

/**
 * Standard (TC39) method decorator: each call of the method is a workflow,
 * as with {@link flowceptWorkflow}; `workflowName` defaults to the method's name.
 */
export function workflow<M extends AnyFunction>(method: M, ctx: ClassMethodDecoratorContext): M;
export function workflow(options?: WorkflowOptions): <M extends AnyFunction>(method: M, ctx: ClassMethodDecoratorContext) => M;
export function workflow(a?: WorkflowOptions | AnyFunction, b?: ClassMethodDecoratorContext): unknown {
  if (typeof a === "function" && isDecoratorContext(b)) return flowceptWorkflow({ workflowName: String(b.name) }, a);
  const opts = (a ?? {}) as WorkflowOptions;
  return <M extends AnyFunction>(method: M, ctx: ClassMethodDecoratorContext): M => flowceptWorkflow({ workflowName: String(ctx.name), ...opts }, method);
}
