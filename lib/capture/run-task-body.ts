import { context, type Context } from "@opentelemetry/api";
import { types } from "node:util";
import { isThenable } from "./task-span.js";
import type { AnyFunction } from "../util/any-function.js";

/** How a task body's result is observed. */
export interface TaskBodyOptions {
  /**
   * Await thenables that are not native promises (query builders, lazy
   * promises): the wrapper then returns a native Promise of their value and
   * records that value. Off by default: such a thenable is returned as is,
   * never called, and recorded as the value returned.
   */
  awaitThenables?: boolean;
}

/**
 * Runs a task's body — in `ctx` when given — and reports how it settled,
 * then hands back exactly what the body returned or threw:
 * - a native promise is returned itself (same object, extra properties
 *   kept) and observed: `ok` / `failed` run when it settles;
 * - any other thenable is returned itself, never called, and reported as
 *   the value returned — unless `awaitThenables` asks for it to be awaited;
 * - anything else is reported at once.
 * `ok` and `failed` must not throw.
 */
export function runTaskBody(
  ctx: Context | undefined,
  fn: AnyFunction,
  self: unknown,
  args: unknown[],
  ok: (value: unknown) => void,
  failed: (err: unknown) => void,
  options?: TaskBodyOptions,
): unknown {
  let result: unknown;
  try {
    // Reflect.apply keeps the arguments off the stack of the context manager (no spread of `args`).
    result = ctx === undefined ? Reflect.apply(fn, self, args) : context.with(ctx, Reflect.apply, undefined, fn, self, args);
  } catch (err) {
    failed(err);
    throw err;
  }
  return settleTaskResult(result, ok, failed, options);
}

/**
 * The second half of {@link runTaskBody}, for a result already in hand:
 * reports how it settles and returns what the caller must return. A caller
 * that handles plain values itself (no closures on its hot path) hands only
 * objects and functions here.
 */
export function settleTaskResult(result: unknown, ok: (value: unknown) => void, failed: (err: unknown) => void, options?: TaskBodyOptions): unknown {
  if (typeof result === "object" && result !== null && types.isPromise(result)) {
    void observe(result, ok, failed);
    return result;
  }
  if (options?.awaitThenables === true && isThenable(result)) {
    const thenable = result;
    return new Promise((resolve, reject) => {
      try {
        thenable.then(
          (value) => {
            ok(value);
            resolve(value);
          },
          (err: unknown) => {
            failed(err);
            reject(err as Error);
          },
        );
      } catch (err) {
        failed(err);
        reject(err as Error);
      }
    });
  }
  ok(result);
  return result;
}

/**
 * Waits for a native promise without calling anything on it: `await` of a
 * plain Promise uses the engine's own reaction, not `then` or a species
 * constructor.
 */
async function observe(p: Promise<unknown>, ok: (value: unknown) => void, failed: (err: unknown) => void): Promise<void> {
  let value: unknown;
  try {
    value = await p;
  } catch (err) {
    failed(err);
    return;
  }
  ok(value);
}
