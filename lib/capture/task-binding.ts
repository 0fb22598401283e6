/**
 * Turning a call into `used` and its result into `generated`, with
 * Flowcept's rules: arguments bound to parameter names, `outputNames`
 * mapping, objects passed through, an `argsHandler` override.
 */
import { diag } from "@opentelemetry/api";
import { isSecretKey, isSimpleValue, toJsonObject, type JsonSafeLimits } from "../records/json-safe.js";
import { isPlainObject } from "../util/plain-object.js";
import type { JsonObject } from "../records/records.js";
import { paramsOf, type ParamInfo } from "./param-names.js";
import { errorMessage } from "../util/error-message.js";

/**
 * Turns named values into what is recorded. Applied to the bound arguments
 * (→ `used`) and to the named outputs (→ `generated`), as Flowcept's
 * `args_handler` is. May drop, rename or transform entries.
 */
export type ArgsHandler = (values: Record<string, unknown>) => Record<string, unknown>;

/** Options that shape `used` and `generated`. */
export interface BindingOptions {
  /** Names for the positional arguments, overriding the ones read from the function. */
  inputNames?: readonly string[] | undefined;
  /** Name of the result, or names of the elements of an array result. */
  outputNames?: string | readonly string[] | undefined;
  argsHandler?: ArgsHandler | undefined;
}

/** Binds calls of one function. Built once per wrapped function. */
export class TaskBinder {
  private params: ParamInfo[] | undefined | null = null;
  private readonly outputNames: readonly string[] | undefined;

  constructor(
    private readonly fn: Function,
    private readonly options: BindingOptions,
  ) {
    const o = options.outputNames;
    this.outputNames = o === undefined ? undefined : typeof o === "string" ? [o] : o;
  }

  private paramList(): ParamInfo[] | undefined {
    if (this.params === null) {
      const names = this.options.inputNames;
      this.params = names ? names.map((name) => ({ name })) : paramsOf(this.fn);
    }
    return this.params;
  }

  /**
   * `used` of a call, before conversion. Parameters left out (or passed
   * `undefined`) that have a default are recorded with it, as Flowcept's
   * `bound_args.apply_defaults()` does.
   */
  used(args: readonly unknown[]): Record<string, unknown> {
    const params = this.paramList();
    const out: Record<string, unknown> = {};
    for (let i = 0; i < args.length; i++) {
      const p = params !== undefined && i < params.length ? params[i]! : params !== undefined && params.length && params[params.length - 1]!.rest ? REST : undefined;
      const v = args[i];
      if (p?.name !== undefined) {
        if (v !== undefined) out[p.name] = v;
        else if (p.default !== undefined) out[p.name] = p.default.value;
      } else if (p?.destructuredObject && isPlainObject(v)) {
        for (const k of Object.keys(v)) out[k] = v[k];
      } else if (v !== undefined) {
        out[`arg_${i}`] = v;
      }
    }
    if (params !== undefined) {
      for (let i = args.length; i < params.length; i++) {
        const p = params[i]!;
        if (p.default !== undefined && p.name !== undefined) out[p.name] = p.default.value;
      }
    }
    return this.handle(out);
  }

  /** `generated` of a result, before conversion; undefined when there is nothing to record. */
  generated(result: unknown): Record<string, unknown> | undefined {
    if (result === undefined) return undefined;
    let named: Record<string, unknown>;
    const names = this.outputNames;
    if (isPlainObject(result)) named = result;
    else if (names && Array.isArray(result) && names.length === result.length && names.length > 1) {
      named = {};
      for (let i = 0; i < names.length; i++) named[names[i]!] = result[i];
    } else if (names && names.length === 1) named = { [names[0]!]: result };
    else named = { arg_0: result };
    return this.handle(named);
  }

  private handle(values: Record<string, unknown>): Record<string, unknown> {
    const h = this.options.argsHandler;
    if (!h) return values;
    try {
      const out = h(values);
      return isPlainObject(out) ? out : { value: out };
    } catch (err) {
      diag.warn(`flowcept: argsHandler threw, values recorded as given: ${errorMessage(err)}`);
      return values;
    }
  }
}

const REST: ParamInfo = { rest: true };

/**
 * A record field from named values: kept as is when every value is simple
 * (finite numbers, booleans, null, short strings) under a non-secret key —
 * the common case on hot paths — else converted by the rules of `json-safe.ts`.
 */
export function fieldObject(obj: Record<string, unknown>, limits: JsonSafeLimits): JsonObject {
  for (const k in obj) {
    if (!isSimpleValue(obj[k], limits.maxStringLength) || isSecretKey(k)) return toJsonObject(obj, limits);
  }
  return obj as JsonObject;
}

/** JSON text of a record field ({@link fieldObject}). */
export function fieldJson(obj: Record<string, unknown>, limits: JsonSafeLimits): string {
  return JSON.stringify(fieldObject(obj, limits));
}
