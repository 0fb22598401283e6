/**
 * One record as one JSON line, faster than `JSON.stringify` on the hot
 * path: pre-serialised values ({@link RawJson}) are spliced in as they are,
 * time fields are written at microsecond precision without float-to-string
 * conversion, and the JSON text of strings that repeat across records (ids,
 * names, statuses) is cached.
 */
import { TIME_FIELDS as TIME_FIELD_NAMES } from "../../lib/records/records.js";
import { RawJson } from "../../lib/records/RawJson.js";
import type { FlowceptRecord } from "../../lib/records/records.js";

const TIME_FIELDS = new Set(TIME_FIELD_NAMES);
/** Fields whose values repeat across many records. */
const REPEATED = new Set(["type", "workflow_id", "campaign_id", "activity_id", "status", "hostname", "subtype", "group_id", "agent_id", "adapter_id"]);
const keyJson = new Map<string, string>();
const valueJson = new Map<string, string>();

function cachedKey(k: string): string {
  let j = keyJson.get(k);
  if (j === undefined) {
    j = `${JSON.stringify(k)}:`;
    if (keyJson.size > 4096) keyJson.clear();
    keyJson.set(k, j);
  }
  return j;
}

function cachedString(v: string): string {
  let j = valueJson.get(v);
  if (j === undefined) {
    j = JSON.stringify(v);
    if (valueJson.size > 4096) valueJson.clear();
    valueJson.set(v, j);
  }
  return j;
}

function pad6(n: number): string {
  return n >= 100000 ? `${n}` : n >= 10000 ? `0${n}` : n >= 1000 ? `00${n}` : n >= 100 ? `000${n}` : n >= 10 ? `0000${n}` : `00000${n}`;
}

/** Seconds since the epoch at microsecond precision (a double holds no more at this magnitude). */
export function formatTime(t: number): string {
  if (!Number.isFinite(t)) return "null";
  const us = Math.round(t * 1e6);
  const sec = Math.floor(us / 1e6);
  const frac = us - sec * 1e6;
  return frac === 0 ? `${sec}` : `${sec}.${pad6(frac)}`;
}

/** The JSON text of a record (no newline). Equivalent to `JSON.stringify(record)` up to microsecond time rounding. */
export function recordToJson(rec: FlowceptRecord): string {
  let out = "{";
  let sep = "";
  for (const k in rec) {
    const v = rec[k];
    let j: string;
    switch (typeof v) {
      case "string":
        j = REPEATED.has(k) ? cachedString(v) : JSON.stringify(v);
        break;
      case "number":
        j = TIME_FIELDS.has(k) ? formatTime(v) : Number.isFinite(v) ? `${v}` : "null";
        break;
      case "boolean":
        j = v ? "true" : "false";
        break;
      case "undefined":
      case "function":
      case "symbol":
        continue;
      default:
        if (v === null) j = "null";
        else if (v instanceof RawJson) j = v.text;
        else {
          const s = JSON.stringify(v) as string | undefined;
          if (s === undefined) continue;
          j = s;
        }
    }
    out += sep + cachedKey(k) + j;
    sep = ",";
  }
  return out + "}";
}
