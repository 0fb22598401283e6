/**
 * Conversion of arbitrary values to JSON-safe form. One module, used
 * everywhere a user value is recorded (task inputs and outputs, custom
 * metadata, workflow arguments). Never throws.
 *
 * Rules, in order:
 * - `toFlowceptDict()`, then `toDict()`, then `toJSON()` when an object has one;
 * - Date → ISO string; BigInt → number when exact, else decimal string;
 *   NaN/±Infinity → "NaN"/"Infinity"/"-Infinity" (JSON would turn them into null);
 * - Map → object (or `[key, value]` pairs when keys are not strings/numbers), Set → array;
 * - Error → `{ type, message, stack, code?, cause? }`;
 * - Buffer / typed arrays / ArrayBuffer → `{ type, length, byteLength }` (metadata, not bytes);
 * - functions → `"[Function name]"`, symbols → their description;
 * - other class instances → `"<Class>_instance_id_<n>"`, as Flowcept does;
 * - cycles → `"[Circular]"`; nesting deeper than `maxDepth` → `"[MaxDepth]"`;
 * - a getter that throws → `"[Thrown: message]"`;
 * - values whose JSON text would pass `maxBytes` are cut with an explicit
 *   marker; strings longer than `maxStringLength` likewise;
 * - values under secret-looking keys (password, token, secret, api_key, …) → `"[REDACTED]"`,
 *   and secret-shaped parts of strings hidden (the rule of `redact.ts`);
 * - every key is kept as an own property, `__proto__` included.
 *
 * The result never shares an object with the input: it is a snapshot of the
 * value at the time of the call.
 */
import type { JsonObject, JsonValue } from "./records.js";
import { errorMessage } from "../util/error-message.js";
import { isSecretName, REDACTED, redactValue } from "./redact.js";
import { isPlainObject } from "../util/plain-object.js";
import { setOwn } from "../util/own-property.js";

/** Limits of a conversion. */
export interface JsonSafeLimits {
  /** Approximate size cap, in bytes of JSON text, of the converted value. */
  maxBytes: number;
  /** Longest string kept whole. */
  maxStringLength: number;
  /** Deepest nesting kept. */
  maxDepth: number;
}

/** Defaults matching `project.max_value_bytes` / `max_string_length` / `max_depth`. */
export const DEFAULT_LIMITS: JsonSafeLimits = { maxBytes: 64 * 1024, maxStringLength: 16 * 1024, maxDepth: 32 };

export { REDACTED };
/** Marker written for a reference back to an enclosing object. */
export const CIRCULAR = "[Circular]";
/** Marker written for nesting deeper than the limit. */
export const MAX_DEPTH = "[MaxDepth]";
/** Key added to an object whose remaining keys were dropped by the size cap. */
export const TRUNCATED_KEY = "__truncated__";


const instanceIds = new WeakMap<object, number>();
let nextInstanceId = 1;

/** `"<Class>_instance_id_<n>"`, stable for one object within the process. */
export function instanceId(obj: object): string {
  let id = instanceIds.get(obj);
  if (id === undefined) {
    id = nextInstanceId++;
    instanceIds.set(obj, id);
  }
  return `${className(obj)}_instance_id_${id}`;
}

function className(obj: object): string {
  try {
    const ctor = (obj as { constructor?: { name?: unknown } }).constructor;
    const name = ctor && typeof ctor.name === "string" ? ctor.name : "";
    return name || "Object";
  } catch {
    return "Object";
  }
}

class Converter {
  budget: number;
  private readonly ancestors: object[] = [];

  constructor(private readonly limits: JsonSafeLimits) {
    this.budget = limits.maxBytes;
  }

  string(text: string): string {
    const s = redactValue(text);
    const max = Math.min(this.limits.maxStringLength, Math.max(this.budget - 2, 0));
    if (s.length <= max) {
      this.budget -= s.length + 2;
      return s;
    }
    this.budget -= max + 40;
    return `${s.slice(0, max)}…[truncated ${s.length - max} of ${s.length} chars]`;
  }

  value(v: unknown, depth: number): JsonValue | undefined {
    switch (typeof v) {
      case "string":
        return this.string(v);
      case "number":
        this.budget -= numberCost(v);
        if (Number.isFinite(v)) return v;
        return Number.isNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity";
      case "boolean":
        this.budget -= 5;
        return v;
      case "undefined":
        return undefined;
      case "bigint":
        this.budget -= 20;
        return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
      case "symbol":
        return this.string(v.toString());
      case "function":
        return this.string(`[Function ${v.name || "anonymous"}]`);
      default:
        return v === null ? null : this.object(v as object, depth);
    }
  }

  /** The rest of a record field's named values, from `start` on (see {@link toJsonFields}). */
  fieldsFrom(o: Record<string, unknown>, keys: string[], start: number, out: JsonObject, budget: number, first: unknown): JsonObject {
    this.ancestors.push(o);
    this.budget = budget;
    return this.plainFrom(o, keys, start, out, 0, first);
  }

  private object(o: object, depth: number): JsonValue {
    if (this.ancestors.includes(o)) return CIRCULAR;
    if (depth >= this.limits.maxDepth) return MAX_DEPTH;
    this.ancestors.push(o);
    try {
      return this.objectInner(o, depth);
    } catch (err) {
      return this.string(`[Unreadable: ${errorMessage(err)}]`);
    } finally {
      this.ancestors.pop();
    }
  }

  private objectInner(o: object, depth: number): JsonValue {
    if (Array.isArray(o)) return this.array(o, depth);
    if (ArrayBuffer.isView(o)) {
      const len = (o as { length?: unknown }).length;
      const out: JsonObject = { type: className(o), byteLength: o.byteLength };
      if (typeof len === "number") out.length = len;
      this.budget -= 50;
      return out;
    }
    if (o instanceof ArrayBuffer || (typeof SharedArrayBuffer !== "undefined" && o instanceof SharedArrayBuffer)) {
      this.budget -= 40;
      return { type: className(o), byteLength: o.byteLength };
    }
    const custom = this.viaMethod(o, depth);
    if (custom !== NO_METHOD) return custom;
    if (o instanceof Date) return Number.isNaN(o.getTime()) ? "Invalid Date" : this.string(o.toISOString());
    if (o instanceof Map) return this.map(o, depth);
    if (o instanceof Set) return this.array(Array.from(o), depth);
    if (o instanceof Error) return this.error(o, depth);
    if (o instanceof RegExp) return this.string(String(o));
    if (o instanceof Number || o instanceof String || o instanceof Boolean) return this.value(o.valueOf(), depth) ?? null;
    if (isPlainObject(o)) return this.plain(o, depth);
    return this.string(instanceId(o));
  }

  private viaMethod(o: object, depth: number): JsonValue | typeof NO_METHOD {
    const rec = o as Record<string, unknown>;
    for (const name of ["toFlowceptDict", "toDict", "toJSON"]) {
      let fn: unknown;
      try {
        fn = rec[name];
      } catch {
        continue;
      }
      if (typeof fn !== "function") continue;
      if (name === "toJSON" && o instanceof Date) return NO_METHOD;
      let out: unknown;
      try {
        out = (fn as () => unknown).call(o);
      } catch (err) {
        return this.string(`[Thrown: ${errorMessage(err)}]`);
      }
      if (out === o) return NO_METHOD;
      const v = this.value(out, depth + 1);
      return v === undefined ? null : v;
    }
    return NO_METHOD;
  }

  private array(a: readonly unknown[], depth: number): JsonValue[] {
    const out: JsonValue[] = [];
    this.budget -= 2;
    for (let i = 0; i < a.length; i++) {
      if (this.budget <= 0) {
        out.push(`…[truncated ${a.length - i} of ${a.length} items]`);
        break;
      }
      let item: unknown;
      try {
        item = a[i];
      } catch (err) {
        item = `[Thrown: ${errorMessage(err)}]`;
      }
      const v = this.value(item, depth + 1);
      out.push(v === undefined ? null : v);
      this.budget -= 1;
    }
    return out;
  }

  /** A plain object's own enumerable keys, each read once. */
  plain(o: Record<string, unknown>, depth: number): JsonObject {
    this.budget -= 2;
    return this.plainFrom(o, Object.keys(o), 0, {}, depth, NOT_READ);
  }

  /**
   * Converts `keys[start…]` of `o` into `out`; `first`, when read already,
   * is the value of `keys[start]` (so that no getter runs twice).
   */
  plainFrom(o: Record<string, unknown>, keys: string[], start: number, out: JsonObject, depth: number, first: unknown): JsonObject {
    for (let i = start; i < keys.length; i++) {
      const key = keys[i]!;
      if (this.budget <= 0) {
        out[TRUNCATED_KEY] = `${keys.length - i} of ${keys.length} keys dropped by the size cap`;
        break;
      }
      this.budget -= key.length + 4;
      let v: JsonValue | undefined;
      if (isSecretName(key)) v = REDACTED;
      else {
        let item: unknown;
        if (i === start && first !== NOT_READ) item = first;
        else {
          try {
            item = o[key];
          } catch (err) {
            item = `[Thrown: ${errorMessage(err)}]`;
          }
        }
        v = this.value(item, depth + 1);
      }
      if (v === undefined) continue;
      if (key === "__proto__") setOwn(out, key, v);
      else out[key] = v;
    }
    return out;
  }

  private map(m: Map<unknown, unknown>, depth: number): JsonValue {
    let simpleKeys = true;
    for (const k of m.keys()) {
      if (typeof k !== "string" && typeof k !== "number") {
        simpleKeys = false;
        break;
      }
    }
    if (!simpleKeys) return this.array(Array.from(m.entries()), depth);
    const obj: Record<string, unknown> = Object.create(null);
    for (const [k, v] of m) obj[String(k)] = v;
    return this.plain(obj, depth);
  }

  private error(e: Error, depth: number): JsonObject {
    const out: JsonObject = { type: e.name || className(e), message: this.string(errorMessage(e)) };
    try {
      if (typeof e.stack === "string") out.stack = this.string(e.stack);
      const code = (e as { code?: unknown }).code;
      if (code !== undefined) {
        const c = this.value(code, depth + 1);
        if (c !== undefined) out.code = c;
      }
      if (e.cause !== undefined) {
        const c = this.value(e.cause, depth + 1);
        if (c !== undefined) out.cause = c;
      }
    } catch {
      // a hostile Error subclass: keep what was read
    }
    return out;
  }
}

const NO_METHOD = Symbol("no-method");
const NOT_READ = Symbol("not-read");

/** JSON length allowed for a value: small integers are short, other numbers take up to 24 characters. */
function numberCost(v: unknown): number {
  return typeof v === "number" && (v | 0) === v && v < 1e6 && v > -1e6 ? 7 : typeof v === "number" ? 24 : 5;
}

/** Converts any value to a JSON-safe value. Never throws; `undefined` becomes `null`. */
export function toJsonSafe(value: unknown, limits: JsonSafeLimits = DEFAULT_LIMITS): JsonValue {
  try {
    const v = new Converter(limits).value(value, 0);
    return v === undefined ? null : v;
  } catch (err) {
    return `[Unconvertible: ${errorMessage(err)}]`;
  }
}

/**
 * Converts the values of a record-like object (keys are kept, values are
 * converted, secret keys are redacted). Used for `used`, `generated`,
 * `custom_metadata`. Never throws.
 */
export function toJsonObject(obj: Record<string, unknown>, limits: JsonSafeLimits = DEFAULT_LIMITS): JsonObject {
  const v = toJsonSafe(obj, limits);
  return v !== null && typeof v === "object" && !Array.isArray(v) ? v : { value: v };
}

/**
 * {@link toJsonObject} of an object known to be plain (the named values a
 * task call produces): the shortest path, for the capture hot paths. Always
 * a new object. Never throws.
 */
export function toJsonFields(obj: Record<string, unknown>, limits: JsonSafeLimits = DEFAULT_LIMITS): JsonObject {
  try {
    // Finite numbers, booleans, null and short strings are copied here; the first other value hands the rest to a Converter.
    const keys = Object.keys(obj);
    const out: JsonObject = {};
    let budget = limits.maxBytes - 2;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      if (budget - key.length - 24 <= 0 || key === "__proto__" || isSecretName(key)) return new Converter(limits).fieldsFrom(obj, keys, i, out, budget, NOT_READ);
      let v: unknown;
      try {
        v = obj[key];
      } catch (err) {
        return new Converter(limits).fieldsFrom(obj, keys, i, out, budget, `[Thrown: ${errorMessage(err)}]`);
      }
      if (v === null || typeof v === "boolean" || (typeof v === "number" && Number.isFinite(v))) {
        out[key] = v;
        budget -= key.length + 4 + numberCost(v);
      } else if (typeof v === "string" && v.length <= limits.maxStringLength && v.length + key.length + 8 < budget) {
        out[key] = redactValue(v);
        budget -= key.length + v.length + 6;
      } else if (v !== undefined) return new Converter(limits).fieldsFrom(obj, keys, i, out, budget, v);
    }
    return out;
  } catch (err) {
    return { error: `[Unconvertible: ${errorMessage(err)}]` };
  }
}

/** `JSON.stringify(toJsonSafe(value))`. Never throws. */
export function safeStringify(value: unknown, limits: JsonSafeLimits = DEFAULT_LIMITS): string {
  return JSON.stringify(toJsonSafe(value, limits));
}
