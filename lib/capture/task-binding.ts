/**
 * Turning a call into `used` and its result into `generated`, with
 * Flowcept's rules: arguments bound to parameter names, `outputNames`
 * mapping, objects passed through, an `argsHandler` override.
 */
import { diag } from "@opentelemetry/api";
import { toJsonFields, type JsonSafeLimits } from "../records/json-safe.js";
import { isSecretName, redactValue } from "../records/redact.js";
import { isPlainObject } from "../util/plain-object.js";
import { setOwn } from "../util/own-property.js";
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

  /** Whether `used` / `generated` objects are the binder's own (no `argsHandler` may hand back a caller's object). */
  get ownsOutput(): boolean {
    return this.options.argsHandler === undefined;
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
        if (v !== undefined) setOwn(out, p.name, v);
        else if (p.default !== undefined) setOwn(out, p.name, p.default.value);
      } else if (p?.destructuredObject && isPlainObject(v)) {
        for (const k of Object.keys(v)) setOwn(out, k, v[k]);
      } else if (v !== undefined) {
        out[`arg_${i}`] = v;
      }
    }
    if (params !== undefined) {
      for (let i = args.length; i < params.length; i++) {
        const p = params[i]!;
        if (p.default !== undefined && p.name !== undefined) setOwn(out, p.name, p.default.value);
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
      for (let i = 0; i < names.length; i++) setOwn(named, names[i]!, result[i]);
    } else if (names && names.length === 1) {
      named = {};
      setOwn(named, names[0]!, result);
    }
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
 * A record field from named values, converted by the rules of
 * `json-safe.ts` in one pass: always a new object (a snapshot — later
 * mutation of the caller's objects changes nothing), each value read once,
 * within the size cap. Never throws.
 */
export function fieldObject(obj: Record<string, unknown>, limits: JsonSafeLimits, fresh = false): JsonObject {
  return fresh ? ownedFields(obj, limits) : toJsonFields(obj, limits);
}

/**
 * {@link fieldObject} of an object the binder just made (no caller holds
 * it, its values were plain assignments): kept as it is when every value is
 * simple — the common case on the hot paths, with no copy — else converted.
 */
function ownedFields(obj: Record<string, unknown>, limits: JsonSafeLimits): JsonObject {
  let budget = limits.maxBytes;
  for (const k in obj) {
    const v = obj[k];
    if (typeof v === "number" ? !Number.isFinite(v) : typeof v === "string" ? v.length > limits.maxStringLength : v !== null && typeof v !== "boolean") return toJsonFields(obj, limits);
    budget -= k.length + (typeof v === "string" ? v.length + 6 : 28);
    if (budget <= 0 || isSecretName(k)) return toJsonFields(obj, limits);
    if (typeof v === "string") {
      const r = redactValue(v);
      if (r !== v) obj[k] = r;
    }
  }
  return obj as JsonObject;
}

/** `generated` of a result as a record field; a result that cannot be read is recorded as a note. Never throws. */
export function generatedField(binder: TaskBinder, value: unknown, limits: JsonSafeLimits): JsonObject | undefined {
  try {
    const g = binder.generated(value);
    return g === undefined ? undefined : fieldObject(g, limits, binder.ownsOutput && g !== value);
  } catch (err) {
    return { error: `result not recorded: ${errorMessage(err)}` };
  }
}

/** JSON text of a record field ({@link fieldObject}). */
export function fieldJson(obj: Record<string, unknown>, limits: JsonSafeLimits, fresh = false): string {
  return JSON.stringify(fieldObject(obj, limits, fresh));
}
