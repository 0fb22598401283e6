/**
 * Cheap look-ups in one JSONL line, given as `[start, end)` of a larger
 * text, without parsing it: a string field's value and whether a
 * `"key":"value"` pair may occur. They let the local store parse only the
 * lines that can matter to a query. Any doubt (the key twice, an escape)
 * answers "unknown", and the line is then parsed.
 */

/** Characters a value may hold for a text search to be exact (no JSON escapes possible). */
const PLAIN = /^[A-Za-z0-9 _.:@\-+/]*$/;

function valueStart(text: string, i: number, end: number): number {
  while (i < end && text.charCodeAt(i) === 32) i++;
  if (text.charCodeAt(i) !== 58) return -1; // ':'
  i++;
  while (i < end && text.charCodeAt(i) === 32) i++;
  return i < end ? i : -1;
}

/** The string value of key `key` in the line, or undefined when absent, not a plain string, or ambiguous. */
export function scanStringField(text: string, key: string, start: number, end: number): string | undefined {
  const needle = `"${key}"`;
  const at = text.indexOf(needle, start);
  if (at === -1 || at >= end) return undefined;
  // The same key twice (e.g. nested in `used`) makes the text search ambiguous.
  const again = text.indexOf(needle, at + needle.length);
  if (again !== -1 && again < end) return undefined;
  const i = valueStart(text, at + needle.length, end);
  if (i === -1 || text.charCodeAt(i) !== 34) return undefined; // '"'
  const close = text.indexOf('"', i + 1);
  if (close === -1 || close >= end) return undefined;
  const value = text.slice(i + 1, close);
  return value.includes("\\") ? undefined : value;
}

/** A top-level equality the text search can rule lines out by: `key` equal to one of `values`. */
export interface TextCondition {
  needle: string;
  values: string[];
}

/** The condition for `key` equal to one of `values`, or undefined when a text search cannot be exact for them. */
export function textCondition(key: string, values: unknown[]): TextCondition | undefined {
  if (!PLAIN.test(key) || !values.length) return undefined;
  for (const v of values) if (typeof v !== "string" || !PLAIN.test(v)) return undefined;
  return { needle: `"${key}"`, values: [...new Set(values as string[])] };
}

/** True when the text at `i` is `"<one of values>"`. */
function quotedOneOf(text: string, i: number, values: string[], end: number): boolean {
  for (const v of values) {
    const close = i + 1 + v.length;
    if (close < end && text.charCodeAt(close) === 34 && text.startsWith(v, i + 1)) return true;
  }
  return false;
}

/**
 * False only when no occurrence of the key in the line is followed by one of
 * the values. An array value (which matches an equality on any element)
 * counts as a possible match.
 */
export function lineMayHold(text: string, c: TextCondition, start: number, end: number): boolean {
  const { needle } = c;
  for (let at = text.indexOf(needle, start); at !== -1 && at < end; at = text.indexOf(needle, at + needle.length)) {
    const i = valueStart(text, at + needle.length, end);
    if (i === -1) continue;
    const ch = text.charCodeAt(i);
    if (ch === 91) return true; // '['
    if (ch === 34 && quotedOneOf(text, i, c.values, end)) return true;
  }
  return false;
}

/** Which of `values` the string field `key` holds (its index), or -1 when absent, another value, or ambiguous. */
export function scanFieldChoice(text: string, key: string, values: string[], start: number, end: number): number {
  const needle = `"${key}"`;
  const at = text.indexOf(needle, start);
  if (at === -1 || at >= end) return -1;
  const again = text.indexOf(needle, at + needle.length);
  if (again !== -1 && again < end) return -1;
  const i = valueStart(text, at + needle.length, end);
  if (i === -1 || text.charCodeAt(i) !== 34) return -1;
  for (let k = 0; k < values.length; k++) if (quotedOneOf(text, i, [values[k]!], end)) return k;
  return -1;
}
