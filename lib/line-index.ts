/**
 * Cheap look-ups in one JSONL line without parsing it: the record's type and
 * id, and whether a `"key":"value"` pair occurs. These let the local store
 * parse only the lines that can matter to a query; every answer is checked by
 * a real parse before it is used, and any doubt means "parse it".
 */

/** Characters a value may hold for a text search to be exact (no JSON escapes possible). */
const PLAIN = /^[A-Za-z0-9 _.:@\-+/]*$/;

/** The string value of top-level-looking key `key`, or undefined when absent or ambiguous. */
export function scanStringField(line: string, key: string): string | undefined {
  const needle = `"${key}"`;
  const at = line.indexOf(needle);
  if (at === -1) return undefined;
  // The same key twice (e.g. nested in `used`) makes the text search ambiguous.
  if (line.indexOf(needle, at + needle.length) !== -1) return undefined;
  let i = at + needle.length;
  while (line.charCodeAt(i) === 32) i++;
  if (line.charCodeAt(i) !== 58) return undefined; // ':'
  i++;
  while (line.charCodeAt(i) === 32) i++;
  if (line.charCodeAt(i) !== 34) return undefined; // '"'
  const end = line.indexOf('"', i + 1);
  if (end === -1) return undefined;
  const value = line.slice(i + 1, end);
  return value.includes("\\") ? undefined : value;
}

/**
 * The texts that must occur in a line holding `"key": value` as JSON
 * writers print it (with or without a space after the colon), or undefined
 * when the value is not plain text.
 */
export function pairNeedles(key: string, value: unknown): string[] | undefined {
  if (typeof value !== "string" || !PLAIN.test(key) || !PLAIN.test(value)) return undefined;
  // An array value matches an equality on any element: such lines cannot be ruled out by text.
  return [`"${key}":"${value}"`, `"${key}": "${value}"`, `"${key}":[`, `"${key}": [`];
}
