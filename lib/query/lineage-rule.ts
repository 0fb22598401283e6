/**
 * The lineage rule: what a value of a task is, how its content identity is
 * computed, and which values are specific enough to link the task that
 * generated one to a later task that used it.
 *
 * - **Values.** A task's values are the entries of its `used` and
 *   `generated` objects: each top-level entry and, down to
 *   {@link LineageRule.maxDepth} levels, the entries of objects and the
 *   elements of arrays inside them (at most {@link LineageRule.maxArrayItems}
 *   per array). Each is recorded with its role (`used` or `generated`) and
 *   its key path (`config.lr`, `files.0`).
 * - **Content identity.** A value is identified by the SHA-256 of its
 *   canonical JSON (RFC 8785: object keys sorted by UTF-16 code units, no
 *   white space, ECMAScript number form), written as 64 hex digits. Equal
 *   content gives equal identity whatever the key, task or process.
 * - **Non-trivial values.** `null`, booleans, strings shorter than
 *   {@link LineageRule.minStringLength}, integers of magnitude below
 *   {@link LineageRule.minIntegerMagnitude} and empty objects or arrays never
 *   link tasks: they are too common for equal content to mean that one task's
 *   output became another's input. Non-integer numbers always may. An object
 *   or array may when some value inside it may.
 * - **Dataflow.** A task that used a non-trivial value is linked to the
 *   task(s) that generated the same content most recently before it started
 *   (latest `ended_at` at or before its `started_at`, give or take
 *   {@link LineageRule.clockTolerance}; several when they ended at the same
 *   time), within the same {@link LineageRule.scope}; never to one of its
 *   own parent or loop tasks, which were still running when it started. A
 *   task without times counts as earlier than every user and later than
 *   every producer. With
 *   {@link LineageRule.sameKey} the two must also record it under the same key
 *   name.
 */
import { hash } from "node:crypto";
import { isPlainObject } from "../util/plain-object.js";

/** Which values link tasks; every field has a default ({@link DEFAULT_LINEAGE_RULE}). */
export interface LineageRule {
  /** Strings shorter than this never link tasks. Default 3. */
  minStringLength: number;
  /** Integers whose magnitude is below this never link tasks. Default 1000. */
  minIntegerMagnitude: number;
  /** How many levels inside `used`/`generated` values are taken (1: top-level entries only). Default 3. */
  maxDepth: number;
  /** How many elements of one array are taken as values of their own. Default 64. */
  maxArrayItems: number;
  /** Whether producer and consumer must record the value under the same key name. Default false. */
  sameKey: boolean;
  /** Link tasks of one workflow only, or of every workflow of a campaign. Default `campaign`. */
  scope: "workflow" | "campaign";
  /**
   * Seconds a producer may end after its user started and still count as
   * before it: the resolution of the recorded times (span start times are
   * whole milliseconds). Default 0.001.
   */
  clockTolerance: number;
}

/** The rule used when none is given. */
export const DEFAULT_LINEAGE_RULE: Readonly<LineageRule> = Object.freeze({
  minStringLength: 3,
  minIntegerMagnitude: 1000,
  maxDepth: 3,
  maxArrayItems: 64,
  sameKey: false,
  scope: "campaign",
  clockTolerance: 0.001,
});

/** A value of a task, as the rule sees it. */
export interface TaskValue {
  role: "used" | "generated";
  /** Dotted key path inside `used`/`generated` (`loss`, `config.lr`, `files.0`). */
  key: string;
  value: unknown;
  /** The content identity ({@link valueId}). */
  id: string;
}

/** Thrown for a rule field out of range. */
export class LineageRuleError extends Error {
  override readonly name = "LineageRuleError";
}

function count(v: unknown, name: string, min: number): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min) throw new LineageRuleError(`lineage rule: ${name} must be an integer ≥ ${min}, got ${JSON.stringify(v)}`);
  return v;
}

/** The rule with defaults filled in and every field checked. Throws {@link LineageRuleError}. */
export function lineageRule(partial: Partial<LineageRule> = {}): LineageRule {
  const r = { ...DEFAULT_LINEAGE_RULE, ...withoutUndefined(partial) };
  count(r.minStringLength, "minStringLength", 0);
  count(r.minIntegerMagnitude, "minIntegerMagnitude", 0);
  count(r.maxDepth, "maxDepth", 1);
  count(r.maxArrayItems, "maxArrayItems", 0);
  if (typeof r.sameKey !== "boolean") throw new LineageRuleError(`lineage rule: sameKey must be true or false, got ${JSON.stringify(r.sameKey)}`);
  if (typeof r.clockTolerance !== "number" || !Number.isFinite(r.clockTolerance) || r.clockTolerance < 0) throw new LineageRuleError(`lineage rule: clockTolerance must be a number of seconds ≥ 0, got ${JSON.stringify(r.clockTolerance)}`);
  if (r.scope !== "workflow" && r.scope !== "campaign") throw new LineageRuleError(`lineage rule: scope must be "workflow" or "campaign", got ${JSON.stringify(r.scope)}`);
  return r;
}

function withoutUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

/** A short text naming the rule's settings, for output and for telling indexes built under another rule apart. */
export function ruleFingerprint(rule: LineageRule): string {
  return `s${rule.minStringLength}-i${rule.minIntegerMagnitude}-d${rule.maxDepth}-a${rule.maxArrayItems}${rule.sameKey ? "-k" : ""}-${rule.scope}-t${rule.clockTolerance}`;
}

/**
 * RFC 8785 canonical JSON: keys sorted by UTF-16 code units, no white space,
 * numbers and strings as `JSON.stringify` writes them. Values JSON cannot
 * hold are written as `JSON.stringify` would (`undefined` entries left out,
 * non-finite numbers as `null`).
 */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== "object") {
    const s = JSON.stringify(v) as string | undefined;
    return s ?? "null";
  }
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined || typeof x === "function" || typeof x === "symbol" ? "null" : canonicalJson(x))).join(",")}]`;
  const keys = Object.keys(v).sort();
  let out = "{";
  let sep = "";
  for (const k of keys) {
    const x = (v as Record<string, unknown>)[k];
    if (x === undefined || typeof x === "function" || typeof x === "symbol") continue;
    out += `${sep}${JSON.stringify(k)}:${canonicalJson(x)}`;
    sep = ",";
  }
  return `${out}}`;
}

/** The content identity of a value: SHA-256 of its canonical JSON, 64 hex digits. */
export function valueId(v: unknown): string {
  return hash("sha256", canonicalJson(v), "hex");
}

/** Whether `v` may link tasks under `rule` (see the module's description). */
export function isNonTrivial(v: unknown, rule: LineageRule = DEFAULT_LINEAGE_RULE): boolean {
  switch (typeof v) {
    case "string":
      return v.length >= rule.minStringLength;
    case "number":
      if (!Number.isFinite(v)) return false;
      return !Number.isInteger(v) || Math.abs(v) >= rule.minIntegerMagnitude;
    case "object":
      if (v === null) return false;
      if (Array.isArray(v)) return v.some((x) => isNonTrivial(x, rule));
      for (const k in v) if (isNonTrivial((v as Record<string, unknown>)[k], rule)) return true;
      return false;
    default:
      return false;
  }
}

/** The last key name of a key path (`config.lr` → `lr`, `files.0` → `files`). */
export function keyName(path: string): string {
  const parts = path.split(".");
  for (let i = parts.length - 1; i >= 0; i--) if (!/^\d+$/.test(parts[i]!)) return parts[i]!;
  return path;
}

/** Whether a value's key path answers to `key`: the whole path, or its last key name. */
export function keyMatches(path: string, key: string): boolean {
  return path === key || keyName(path) === key;
}

/**
 * The non-trivial values of a task's `used` and `generated`, in the order
 * met (depth-first), each with its content identity. The same content under
 * several keys of one role is listed once per key.
 */
export function taskValues(task: object, rule: LineageRule = DEFAULT_LINEAGE_RULE): TaskValue[] {
  const out: TaskValue[] = [];
  for (const role of ["used", "generated"] as const) {
    const root = (task as { used?: unknown; generated?: unknown })[role];
    if (isPlainObject(root)) collect(root, "", 1, role, rule, out);
  }
  return out;
}

function collect(container: object, prefix: string, depth: number, role: TaskValue["role"], rule: LineageRule, out: TaskValue[]): void {
  const entries: [string, unknown][] = Array.isArray(container) ? container.slice(0, rule.maxArrayItems).map((v, i) => [String(i), v]) : Object.entries(container);
  for (const [k, v] of entries) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (!isNonTrivial(v, rule)) continue;
    out.push({ role, key, value: v, id: valueId(v) });
    if (depth < rule.maxDepth && v !== null && typeof v === "object") collect(v, key, depth + 1, role, rule, out);
  }
}
