import { context, type Context } from "@opentelemetry/api";
import { isThenable } from "./task-span.js";
import type { AnyFunction } from "../util/any-function.js";

/**
 * Runs a task's body in `ctx` and reports how it settled — synchronously
 * or, for a thenable, when it settles — then hands back exactly what the
 * body returned or threw (a promise stays a promise of the same value).
 */
export function runTaskBody(ctx: Context, fn: AnyFunction, self: unknown, args: unknown[], ok: (value: unknown) => void, failed: (err: unknown) => void): unknown {
  let result: unknown;
  try {
    result = context.with(ctx, fn, self as never, ...args);
  } catch (err) {
    failed(err);
    throw err;
  }
  if (!isThenable(result)) {
    ok(result);
    return result;
  }
  return result.then(
    (value) => {
      ok(value);
      return value;
    },
    (err: unknown) => {
      failed(err);
      throw err;
    },
  );
}
