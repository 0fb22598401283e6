import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";

/** A string matches exactly; a RegExp matches anywhere unless anchored. */
export type NamePattern = string | RegExp;

/**
 * Selects spans of other instrumentations by instrumentation scope name
 * (e.g. `@opentelemetry/instrumentation-http`) and span name. A span matches
 * when every list given matches it (scope AND name); pass an array of
 * `SpanMatch` to match any of several.
 */
export interface SpanMatch {
  scopes?: readonly NamePattern[] | undefined;
  names?: readonly NamePattern[] | undefined;
}

/** One {@link SpanMatch}, or several of which any may match. */
export type SpanMatchOption = SpanMatch | readonly SpanMatch[];

type Test = (s: string) => boolean;

function patternTest(patterns: readonly NamePattern[]): Test {
  const exact = new Set<string>();
  const regexps: RegExp[] = [];
  for (const p of patterns) {
    if (typeof p === "string") exact.add(p);
    // `g` and `y` make test() stateful across calls.
    else regexps.push(p.global || p.sticky ? new RegExp(p.source, p.flags.replace(/[gy]/g, "")) : p);
  }
  return (s) => exact.has(s) || regexps.some((r) => r.test(s));
}

function matcher(option: SpanMatchOption): (span: ReadableSpan) => boolean {
  const list = (Array.isArray(option) ? option : [option]) as readonly SpanMatch[];
  const tests = list.map((m) => ({ scope: m.scopes ? patternTest(m.scopes) : undefined, name: m.names ? patternTest(m.names) : undefined }));
  return (span) => tests.some((t) => (t.scope === undefined || t.scope(span.instrumentationScope?.name ?? "")) && (t.name === undefined || t.name(span.name)));
}

/**
 * One filter from the processor's options: kept when `include` matches (or
 * is absent), `exclude` does not, and `predicate` returns true (or is
 * absent). Undefined when there is nothing to filter.
 */
export function compileSpanFilter(include?: SpanMatchOption, exclude?: SpanMatchOption, predicate?: (span: ReadableSpan) => boolean): ((span: ReadableSpan) => boolean) | undefined {
  if (!include && !exclude && !predicate) return undefined;
  const inc = include ? matcher(include) : undefined;
  const exc = exclude ? matcher(exclude) : undefined;
  return (span) => (inc === undefined || inc(span)) && (exc === undefined || !exc(span)) && (predicate === undefined || predicate(span));
}
