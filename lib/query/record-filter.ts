/**
 * A MongoDB query filter as a test of single records, for live streams
 * (`Flowcept.subscribe`): the same checks as queries (no `__proto__`, no
 * operators that run code) and the same language (mingo), tested on the
 * record as stored (`type` included). A filter that reads only plain
 * top-level fields can be tested on a record as it passes through the
 * pipeline; one that reads a JSON value (`used.x`, `telemetry_at_end…`)
 * is tested once the record is made plain.
 */
import { Query } from "mingo";
import { MERGED_SUBDOCUMENTS } from "../records/merge-records.js";
import { isPlainObject } from "../util/plain-object.js";
import { errorMessage } from "../util/error-message.js";
import { checkFilter, dateToSeconds, mapTimeValues } from "./query-normalize.js";
import { FlowceptQueryError, type QueryFilter } from "./query-types.js";

/** Fields whose value may still be JSON text while a record passes through the pipeline. */
const JSON_FIELDS = new Set<string>([...MERGED_SUBDOCUMENTS, "data", "stdout", "stderr", "conf", "flowcept_settings", "extra_metadata"]);

/** The filter's tests: `early` when it reads plain top-level fields only, else `late`. */
export interface CompiledRecordFilter {
  early?: (record: Record<string, unknown>) => boolean;
  late?: (record: Record<string, unknown>) => boolean;
}

function readsJsonField(filter: unknown, depth = 0): boolean {
  if (depth > 64) return true;
  if (Array.isArray(filter)) return filter.some((f) => readsJsonField(f, depth + 1));
  if (!isPlainObject(filter)) return false;
  for (const [k, v] of Object.entries(filter)) {
    if (k.startsWith("$")) {
      if (k === "$and" || k === "$or" || k === "$nor" || k === "$not") {
        if (readsJsonField(v, depth + 1)) return true;
        continue;
      }
      return true; // $expr, $jsonSchema…: anything may be read
    }
    if (JSON_FIELDS.has(k.split(".")[0]!)) return true;
  }
  return false;
}

/** Compiles `filter`; throws {@link FlowceptQueryError} for one that is not valid. */
export function compileRecordFilter(filter: QueryFilter | undefined): CompiledRecordFilter {
  const checked = mapTimeValues(checkFilter(filter), dateToSeconds);
  if (!Object.keys(checked).length) return {};
  let query: Query;
  try {
    query = new Query(checked, { scriptEnabled: false });
  } catch (err) {
    throw new FlowceptQueryError(`invalid filter ${JSON.stringify(filter)}: ${errorMessage(err)}`);
  }
  const test = (r: Record<string, unknown>): boolean => query.test(r);
  return readsJsonField(checked) ? { late: test } : { early: test };
}
