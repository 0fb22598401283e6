/** Checks and conversions of query arguments, the same for both backends. */
import { TIME_FIELDS } from "../records/records.js";
import { FlowceptQueryError, type CollectionName, type QueryFilter, type QueryProjection, type QuerySort } from "./query-types.js";
import { isPlainObject } from "../util/plain-object.js";

const TIMES = new Set(TIME_FIELDS);

/** Options of every mingo query over the local store: mingo's defaults run `$where` / `$function` code; queries here never do. */
export const QUERY_OPTIONS = { scriptEnabled: false };
const COLLECTIONS = new Set<string>(["tasks", "workflows", "agents", "objects"]);

/** Operators that run code: refused on both backends (filters may come from a command line or a request). */
const SCRIPT_OPERATORS = new Set(["$where", "$function", "$accumulator"]);

/**
 * Throws unless `filter` is an object, with no `__proto__` key or path
 * segment (which would reach the prototype chain instead of a field) and no
 * operator that runs code (`$where`, `$function`, `$accumulator`).
 */
export function checkFilter(filter: unknown): QueryFilter {
  if (filter === undefined || filter === null) return {};
  if (!isPlainObject(filter)) throw new FlowceptQueryError(`a query filter must be an object, got ${Array.isArray(filter) ? "an array" : typeof filter}`);
  checkKeys(filter, 0);
  return filter;
}

function checkKeys(v: unknown, depth: number): void {
  if (v === null || typeof v !== "object" || depth > 64) return;
  if (Array.isArray(v)) {
    for (const x of v) checkKeys(x, depth + 1);
    return;
  }
  if (!isPlainObject(v)) return;
  for (const k of Object.keys(v)) {
    if (k.split(".").includes("__proto__")) throw new FlowceptQueryError(`a query filter cannot name "__proto__" (in ${JSON.stringify(k)})`);
    if (SCRIPT_OPERATORS.has(k)) throw new FlowceptQueryError(`${k} is not allowed: query operators that run code are disabled`);
    checkKeys(v[k], depth + 1);
  }
}

/** Throws unless `name` is one of Flowcept's collections. */
export function checkCollection(name: unknown): CollectionName {
  const c = name ?? "tasks";
  if (typeof c !== "string" || !COLLECTIONS.has(c)) {
    throw new FlowceptQueryError(`unknown collection ${JSON.stringify(c)}; expected one of ${[...COLLECTIONS].join(", ")}`);
  }
  return c as CollectionName;
}

/** `{ field: 0|1 }` from either form; undefined for none. */
export function normalizeProjection(p: QueryProjection | undefined): Record<string, 0 | 1> | undefined {
  if (p === undefined || p === null) return undefined;
  const out: Record<string, 0 | 1> = {};
  if (Array.isArray(p)) {
    for (const f of p) {
      if (typeof f !== "string") throw new FlowceptQueryError(`a projection list holds field names, got ${JSON.stringify(f)}`);
      out[f] = 1;
    }
  } else if (isPlainObject(p)) {
    for (const [k, v] of Object.entries(p)) {
      if (v !== 0 && v !== 1 && v !== true && v !== false) throw new FlowceptQueryError(`projection of ${k} must be 0 or 1, got ${JSON.stringify(v)}`);
      out[k] = v === 1 || v === true ? 1 : 0;
    }
  } else {
    throw new FlowceptQueryError("a projection must be an object or a list of field names");
  }
  const modes = new Set(Object.entries(out).filter(([k]) => k !== "_id").map(([, v]) => v));
  if (modes.size > 1) throw new FlowceptQueryError("a projection cannot both include and exclude fields");
  delete out._id;
  return Object.keys(out).length ? out : undefined;
}

/** `{ field: 1|-1 }` from either form; undefined for none. */
export function normalizeSort(s: QuerySort | undefined): Record<string, 1 | -1> | undefined {
  if (s === undefined || s === null) return undefined;
  const pairs: [unknown, unknown][] = Array.isArray(s) ? (s as unknown[]).map((x) => (Array.isArray(x) ? [x[0], x[1]] : [x, 1])) : isPlainObject(s) ? Object.entries(s) : [];
  if (!Array.isArray(s) && !isPlainObject(s)) throw new FlowceptQueryError("a sort must be an object like {\"started_at\": -1} or a list of [field, order] pairs");
  const out: Record<string, 1 | -1> = {};
  for (const [k, v] of pairs) {
    if (typeof k !== "string") throw new FlowceptQueryError(`a sort field must be a name, got ${JSON.stringify(k)}`);
    if (v !== 1 && v !== -1) throw new FlowceptQueryError(`sort order of ${k} must be 1 or -1, got ${JSON.stringify(v)}`);
    out[k] = v;
  }
  return Object.keys(out).length ? out : undefined;
}

/** Throws unless `limit` is a non-negative integer; 0 for none. */
export function normalizeLimit(limit: unknown): number {
  if (limit === undefined || limit === null) return 0;
  if (typeof limit !== "number" || !Number.isInteger(limit) || limit < 0) throw new FlowceptQueryError(`limit must be a non-negative integer, got ${JSON.stringify(limit)}`);
  return limit;
}

/**
 * Rewrites values compared with the time fields (`started_at`, …) at the
 * top level and inside `$and`/`$or`/`$nor`: `convert` turns float seconds
 * into dates for MongoDB, or dates into seconds for the local store.
 */
export function mapTimeValues(filter: QueryFilter, convert: (v: unknown) => unknown): QueryFilter {
  const out: QueryFilter = {};
  for (const [k, v] of Object.entries(filter)) {
    if ((k === "$and" || k === "$or" || k === "$nor") && Array.isArray(v)) {
      out[k] = v.map((x) => (isPlainObject(x) ? mapTimeValues(x, convert) : x));
    } else if (TIMES.has(k)) {
      out[k] = mapOperand(v, convert);
    } else {
      out[k] = v;
    }
  }
  return out;
}

function mapOperand(v: unknown, convert: (v: unknown) => unknown): unknown {
  if (Array.isArray(v)) return v.map(convert);
  if (isPlainObject(v)) {
    const out: Record<string, unknown> = {};
    for (const [op, x] of Object.entries(v)) out[op] = op === "$not" || op === "$elemMatch" ? mapOperand(x, convert) : Array.isArray(x) ? x.map(convert) : convert(x);
    return out;
  }
  return convert(v);
}

/** Seconds → Date, for filters sent to MongoDB. */
export function secondsToDate(v: unknown): unknown {
  return typeof v === "number" && Number.isFinite(v) ? new Date(v * 1000) : v;
}

/** Date → seconds, for filters over the local store. */
export function dateToSeconds(v: unknown): unknown {
  return v instanceof Date ? v.getTime() / 1000 : v;
}
