/**
 * Cheap look-ups in one JSONL line, given as `[start, end)` of a buffer of
 * lines, without decoding or parsing it: a string field's value and whether
 * a `"key":"value"` pair may occur. They let the local store parse only the
 * lines that can matter to a query. Any doubt (the key twice, an escape)
 * answers "unknown", and the line is then parsed.
 */

/** Characters a value may hold for a byte search to be exact (ASCII, no JSON escapes possible). */
const PLAIN = /^[A-Za-z0-9 _.:@\-+/]*$/;
const QUOTE = 34;
const needles = new Map<string, Buffer>();

/** `"key"` as bytes (cached: keys are few). */
function needleOf(key: string): Buffer {
  let n = needles.get(key);
  if (n === undefined) {
    n = Buffer.from(`"${key}"`, "utf8");
    if (needles.size > 1024) needles.clear();
    needles.set(key, n);
  }
  return n;
}

function valueStart(buf: Buffer, i: number, end: number): number {
  while (i < end && buf[i] === 32) i++;
  if (buf[i] !== 58) return -1; // ':'
  i++;
  while (i < end && buf[i] === 32) i++;
  return i < end ? i : -1;
}

/** Where `key` occurs in the line, once only; -1 when absent or there twice (ambiguous). */
function onlyKey(buf: Buffer, needle: Buffer, start: number, end: number): number {
  const at = buf.indexOf(needle, start);
  if (at === -1 || at >= end) return -1;
  // The same key twice (e.g. nested in `used`) makes the byte search ambiguous.
  const again = buf.indexOf(needle, at + needle.length);
  return again !== -1 && again < end ? -1 : at;
}

/** The plain string value of the key whose needle ends at `i`, or undefined. */
function stringAfter(buf: Buffer, i: number, end: number): string | undefined {
  i = valueStart(buf, i, end);
  if (i === -1 || buf[i] !== QUOTE) return undefined;
  for (let j = i + 1; j < end; j++) {
    const b = buf[j];
    if (b === 92) return undefined; // an escape
    if (b === QUOTE) return buf.toString("utf8", i + 1, j);
  }
  return undefined;
}

/** The string value of key `key` in the line, or undefined when absent, not a plain string, or ambiguous. */
export function scanStringField(buf: Buffer, key: string, start: number, end: number): string | undefined {
  const needle = needleOf(key);
  const at = onlyKey(buf, needle, start, end);
  return at === -1 ? undefined : stringAfter(buf, at + needle.length, end);
}

/** True when `at` is a key position of the line's top-level object: outside strings, one brace deep. */
function atTopLevel(buf: Buffer, start: number, at: number): boolean {
  let depth = 0;
  for (let i = start; i < at; i++) {
    const b = buf[i];
    if (b === QUOTE) {
      // Skip the string, escapes included.
      for (i++; i < at && buf[i] !== QUOTE; i++) if (buf[i] === 92) i++;
      if (i >= at) return false;
    } else if (b === 123 || b === 91) depth++;
    else if (b === 125 || b === 93) depth--;
  }
  return depth === 1;
}

/**
 * Like {@link scanStringField}, for a key of the line's top-level object
 * only: undefined too when the one occurrence of the key is nested (in
 * `used`, say), which a record without the field at top level may hold.
 */
export function scanTopLevelStringField(buf: Buffer, key: string, start: number, end: number): string | undefined {
  const needle = needleOf(key);
  const at = onlyKey(buf, needle, start, end);
  if (at === -1 || !atTopLevel(buf, start, at)) return undefined;
  return stringAfter(buf, at + needle.length, end);
}

/** The end of the JSON string whose opening quote is at `i` (its closing quote), or -1. */
function stringEnd(buf: Buffer, i: number, end: number): number {
  for (let j = buf.indexOf(QUOTE, i + 1); j !== -1 && j < end; j = buf.indexOf(QUOTE, j + 1)) {
    let backslashes = 0;
    while (buf[j - 1 - backslashes] === 92) backslashes++;
    if (backslashes % 2 === 0) return j;
  }
  return -1;
}

/**
 * The plain string values of the top-level `keys` of the line (as bytes,
 * without quotes): `out[k]` is undefined when key `k` is absent, not a plain
 * string (a number, an array, an escape), there twice (also nested after its
 * top-level place: the bytes are then in doubt), or the line is not a
 * well-formed object. The line is walked until every key is found; the rest
 * is only searched for the keys again.
 */
export function scanTopLevelStrings(buf: Buffer, keys: readonly Buffer[], start: number, end: number, out: (string | undefined)[]): void {
  out.fill(undefined);
  let found = 0;
  let depth = 0;
  let pending = -1; // the wanted key whose value comes next
  let i = start;
  for (; i < end && found < keys.length; i++) {
    const b = buf[i];
    if (b === QUOTE) {
      const j = stringEnd(buf, i, end);
      if (j === -1) return void out.fill(undefined);
      if (depth === 1) {
        let n = j + 1;
        while (n < end && buf[n] === 32) n++;
        if (buf[n] === 58) {
          // A key: is it one of those wanted?
          pending = -1;
          const first = buf[i + 1];
          for (let k = 0; k < keys.length; k++) {
            const key = keys[k]!;
            if (key[0] === first && key.length === j - i - 1 && buf.compare(key, 0, key.length, i + 1, j) === 0) {
              pending = k;
              break;
            }
          }
          if (pending !== -1 && out[pending] !== undefined) return void out.fill(undefined); // the key twice
          i = n;
          continue;
        }
        if (pending !== -1) {
          let escaped = false;
          for (let e = i + 1; e < j && !escaped; e++) escaped = buf[e] === 92;
          if (!escaped) out[pending] = buf.toString("utf8", i + 1, j);
          found++;
          pending = -1;
        }
      }
      i = j;
      continue;
    }
    if (b === 32 || b === 44) continue; // ' ' ','
    if (pending !== -1) found++; // a value other than a string
    pending = -1;
    if (b === 123 || b === 91) depth++;
    else if (b === 125 || b === 93) depth--;
  }
  if (found < keys.length) {
    if (depth !== 0) out.fill(undefined);
    return;
  }
  // Every key found: any later occurrence (a duplicate, or nested) puts it in doubt.
  for (let k = 0; k < keys.length; k++) {
    if (out[k] === undefined) continue;
    const at = buf.indexOf(needleOf(keys[k]!.toString("latin1")), i);
    if (at !== -1 && at < end) out[k] = undefined;
  }
  if (buf[end - 1] !== 125) out.fill(undefined); // not a whole object
}

/** A top-level equality the byte search can rule lines out by: `key` equal to one of `values`. */
export interface TextCondition {
  key: string;
  needle: Buffer;
  values: ReadonlySet<string>;
  /** The longest value, in bytes (all are ASCII). */
  longest: number;
}

/** The condition for `key` equal to one of `values`, or undefined when a byte search cannot be exact for them. */
export function textCondition(key: string, values: unknown[]): TextCondition | undefined {
  if (!PLAIN.test(key) || !values.length) return undefined;
  for (const v of values) if (typeof v !== "string" || !PLAIN.test(v)) return undefined;
  const set = new Set(values as string[]);
  return { key, needle: needleOf(key), values: set, longest: Math.max(...[...set].map((v) => v.length)) };
}

/** True when the bytes at `i` are `"<one of the values>"`, or hold an escape (which may spell one). */
function quotedOneOf(buf: Buffer, i: number, c: TextCondition, end: number): boolean {
  const stop = Math.min(end, i + 2 + c.longest);
  for (let j = i + 1; j < stop; j++) {
    const b = buf[j];
    if (b === 92) return true;
    if (b === QUOTE) return c.values.has(buf.toString("latin1", i + 1, j));
  }
  return false;
}

/**
 * False only when no occurrence of the key in the line is followed by one of
 * the values. An array value (which matches an equality on any element)
 * counts as a possible match.
 */
export function lineMayHold(buf: Buffer, c: TextCondition, start: number, end: number): boolean {
  const { needle } = c;
  for (let at = buf.indexOf(needle, start); at !== -1 && at < end; at = buf.indexOf(needle, at + needle.length)) {
    const i = valueStart(buf, at + needle.length, end);
    if (i === -1) continue;
    const ch = buf[i];
    if (ch === 91) return true; // '['
    if (ch === QUOTE && quotedOneOf(buf, i, c, end)) return true;
  }
  return false;
}

/** Which of `values` the top-level string field `key` holds (its index), or -1 when absent, another value, nested, or ambiguous. */
export function scanFieldChoice(buf: Buffer, key: string, values: readonly string[], start: number, end: number): number {
  const value = scanTopLevelStringField(buf, key, start, end);
  return value === undefined ? -1 : values.indexOf(value);
}
