/**
 * Text put into the exported documents: well-formed Unicode (a lone
 * surrogate, which JSON can carry but UTF-8 cannot, becomes U+FFFD), and
 * long text cut with an explicit marker.
 */

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** `s` with lone surrogates replaced by U+FFFD. */
export function wellFormed(s: string): string {
  return s.replace(LONE_SURROGATE, "\ufffd");
}

/** `s`, well-formed, cut to `max` characters with a `…[truncated n of m chars]` marker. */
export function cappedText(s: string, max: number): string {
  const w = wellFormed(s);
  return w.length > max ? `${w.slice(0, max)}…[truncated ${w.length - max} of ${w.length} chars]` : w;
}

/** A recorded text field (`stderr` may be a string or an object) as text, or undefined when empty. */
export function textOf(v: unknown, max: number): string | undefined {
  if (v === undefined || v === null || v === "") return undefined;
  return cappedText(typeof v === "string" ? v : (JSON.stringify(v) ?? String(v)), max);
}
