/**
 * One record as one JSON line, faster than `JSON.stringify` on the hot
 * path. Each field name known to the record schema has a prebuilt `"name":`
 * and a way of writing its value; values that repeat from one record to the
 * next (ids, names, statuses, the second of a time) reuse the text written
 * last. Pre-serialised values ({@link RawJson}) are spliced in as they are,
 * time fields are written at microsecond precision without float-to-string
 * conversion, and small flat objects (`used`, `generated` of a call) and
 * plain ASCII strings are written without calling into `JSON.stringify`.
 * Anything else goes to `JSON.stringify`, so the output is always the same
 * JSON (up to the microsecond rounding of times).
 */
import { TIME_FIELDS } from "../../lib/records/records.js";
import { RawJson } from "../../lib/records/RawJson.js";
import type { FlowceptRecord } from "../../lib/records/records.js";

/** A character JSON escapes (or one outside printable ASCII, left to `JSON.stringify`). */
const NEEDS_ESCAPE = /[^\x20\x21\x23-\x5b\x5d-\x7e]/;

/** A JSON string literal: printable ASCII without quotes or backslashes is written as is. */
export function quote(s: string): string {
  return NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : `"${s}"`;
}

/**
 * `s` as one flat string. A string built with `+` is a tree of its pieces,
 * walked again by every line it is copied into; text kept for reuse is made
 * flat once (reading a character flattens it in place).
 */
function flat(s: string): string {
  s.charCodeAt(0);
  return s;
}

const enum Kind {
  Plain,
  Repeated,
  Time,
}

/**
 * A field name: its JSON prefixes (first in the object, or after a comma),
 * how its value is written, and for repeated and time fields the last value
 * with its whole text, so that a repeat is one piece of string.
 */
interface Field {
  readonly first: string;
  readonly rest: string;
  /** The prefixes with the opening quote of a string value. */
  readonly firstQ: string;
  readonly restQ: string;
  readonly kind: Kind;
  last: unknown;
  lastFirst: string;
  lastRest: string;
}

/** Fields whose values repeat across many records. */
const REPEATED = ["type", "workflow_id", "campaign_id", "activity_id", "status", "hostname", "subtype", "group_id", "agent_id", "adapter_id", "parent_task_id"];
const MAX_FIELDS = 4096;
const fields = new Map<string, Field>();

function newField(k: string, kind: Kind): Field {
  const first = `${quote(k)}:`;
  return { first: flat(first), rest: flat(`,${first}`), firstQ: flat(`${first}"`), restQ: flat(`,${first}"`), kind, last: undefined, lastFirst: "", lastRest: "" };
}
for (const k of REPEATED) fields.set(k, newField(k, Kind.Repeated));
for (const k of TIME_FIELDS) fields.set(k, newField(k, Kind.Time));
const schemaFields = fields.size;

/** The field of name `k` (names outside the schema are kept up to a bound). */
function fieldOf(k: string): Field {
  let f = fields.get(k);
  if (f === undefined) {
    if (fields.size >= MAX_FIELDS + schemaFields) {
      for (const name of fields.keys()) if (!REPEATED.includes(name) && !TIME_FIELDS.includes(name)) fields.delete(name);
    }
    f = newField(k, Kind.Plain);
    fields.set(k, f);
  }
  return f;
}

/** The field names of the last record, in order: records of one shape skip the look-ups. */
const shapeKeys: string[] = [];
const shapeFields: Field[] = [];

function pad6(n: number): string {
  return n >= 100000 ? `${n}` : n >= 10000 ? `0${n}` : n >= 1000 ? `00${n}` : n >= 100 ? `000${n}` : n >= 10 ? `0000${n}` : `00000${n}`;
}

let lastSec = NaN;
let lastSecText = "";
/** A record's `utc_timestamp` is mostly its `ended_at`: the last time written is kept. */
let lastTime = NaN;
let lastTimeText = "";

/** Seconds since the epoch at microsecond precision (a double holds no more at this magnitude). */
export function formatTime(t: number): string {
  if (t === lastTime) return lastTimeText;
  if (!(t >= 0 && t < 4e9)) {
    // Outside the epoch seconds of real clocks (where whole microseconds fit a double): the rounded number as JSON writes it.
    if (!Number.isFinite(t)) return "null";
    const r = Math.round(t * 1e6) / 1e6;
    return Number.isFinite(r) ? `${r + 0}` : `${t}`;
  }
  const us = Math.round(t * 1e6);
  const sec = Math.floor(us / 1e6);
  const frac = us - sec * 1e6;
  if (sec !== lastSec) {
    lastSec = sec;
    lastSecText = `${sec}`;
  }
  lastTime = t;
  lastTimeText = frac === 0 ? lastSecText : `${lastSecText}.${pad6(frac)}`;
  return lastTimeText;
}

function numberJson(v: number): string {
  return Number.isFinite(v) ? `${v}` : "null";
}

/** A flat object of numbers, booleans, nulls and short plain strings, else undefined (written by `JSON.stringify`). */
function flatObject(o: object): string | undefined {
  if (Object.getPrototypeOf(o) !== Object.prototype) return undefined;
  let out = "{";
  let sep = "";
  let n = 0;
  for (const k in o) {
    if (++n > 16) return undefined;
    const v = (o as Record<string, unknown>)[k];
    let j: string;
    switch (typeof v) {
      case "number":
        j = numberJson(v);
        break;
      case "string":
        j = quote(v);
        break;
      case "boolean":
        j = v ? "true" : "false";
        break;
      case "undefined":
        continue;
      default:
        if (v !== null) return undefined;
        j = "null";
    }
    out += `${sep}${fieldOf(k).first}${j}`;
    sep = ",";
  }
  return `${out}}`;
}

function objectJson(v: object): string | undefined {
  if (v instanceof RawJson) return v.text;
  if (typeof (v as { toJSON?: unknown }).toJSON !== "function" && !Array.isArray(v)) {
    const flat = flatObject(v);
    if (flat !== undefined) return flat;
  }
  return JSON.stringify(v) as string | undefined;
}

/**
 * Runs of constant text (field prefixes, repeated values) are joined once
 * and the joined string reused while the same pieces follow each other at
 * the same place of a line: a record of a known shape is then a handful of
 * string pieces (the values that change) instead of two or three per field.
 * Slot `j` remembers the run it last extended, the piece, and the result.
 */
const MAX_SLOTS = 256;
const MAX_JOINED = 4096;
const memoRun: string[] = [];
const memoPiece: string[] = [];
const memoJoined: string[] = [];

function joinConstant(run: string, piece: string, slot: number): string {
  if (run === "") return piece;
  if (slot >= MAX_SLOTS) return run + piece;
  if (memoPiece[slot] === piece && memoRun[slot] === run) return memoJoined[slot]!;
  const joined = run + piece;
  if (joined.length > MAX_JOINED) return joined;
  memoRun[slot] = run;
  memoPiece[slot] = piece;
  memoJoined[slot] = flat(joined);
  return joined;
}

/** The JSON text of a record (no newline). Equivalent to `JSON.stringify(record)` up to microsecond time rounding. */
export function recordToJson(rec: FlowceptRecord): string {
  // `out` holds the line up to `run`, the constant text not yet appended; state is local (a toJSON may write a record too).
  let out = "";
  let run = "{";
  let slot = 1;
  let first = true;
  let i = 0;
  for (const k in rec) {
    let f = shapeFields[i];
    if (f === undefined || shapeKeys[i] !== k) {
      f = fieldOf(k);
      shapeKeys[i] = k;
      shapeFields[i] = f;
    }
    i++;
    const v = rec[k];
    switch (typeof v) {
      case "string":
        if (f.kind === Kind.Repeated) {
          if (v !== f.last) {
            const j = quote(v);
            f.last = v;
            f.lastFirst = flat(f.first + j);
            f.lastRest = flat(f.rest + j);
          }
          run = joinConstant(run, first ? f.lastFirst : f.lastRest, slot++);
        } else if (!NEEDS_ESCAPE.test(v)) {
          run = joinConstant(run, first ? f.firstQ : f.restQ, slot++);
          out = out === "" ? run + v : out + run + v;
          run = '"';
          slot++;
        } else {
          run = joinConstant(run, first ? f.first : f.rest, slot++);
          out = out === "" ? run + JSON.stringify(v) : out + run + JSON.stringify(v);
          run = "";
        }
        break;
      case "number": {
        run = joinConstant(run, first ? f.first : f.rest, slot++);
        const j = f.kind === Kind.Time ? formatTime(v) : numberJson(v);
        out = out === "" ? run + j : out + run + j;
        run = "";
        break;
      }
      case "boolean":
        run = joinConstant(run, first ? f.first : f.rest, slot++);
        run = joinConstant(run, v ? "true" : "false", slot++);
        break;
      case "undefined":
      case "function":
      case "symbol":
        continue;
      case "bigint":
        JSON.stringify(v); // throws, as JSON.stringify of the record would
        continue;
      default: {
        if (v === null) {
          run = joinConstant(run, first ? f.first : f.rest, slot++);
          run = joinConstant(run, "null", slot++);
          break;
        }
        const j = objectJson(v as object);
        if (j === undefined) continue;
        run = joinConstant(run, first ? f.first : f.rest, slot++);
        out = out === "" ? run + j : out + run + j;
        run = "";
      }
    }
    first = false;
  }
  run = joinConstant(run, "}", slot);
  return out === "" ? run : out + run;
}
