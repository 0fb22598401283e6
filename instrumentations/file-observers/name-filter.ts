/**
 * Name filters for `log_metrics` / `log_params` / `series_tags`: exact names
 * or globs where `*` matches any run of characters (`["*"]` keeps all).
 */
export type NameFilter = (name: string) => boolean;

function escapeRegExp(s: string): string {
  return s.replace(/[.+?^${}()|[\]\\]/g, "\\$&");
}

/** Builds a filter; an empty list keeps nothing. */
export function nameFilter(patterns: readonly string[]): NameFilter {
  if (patterns.includes("*")) return () => true;
  const exact = new Set(patterns.filter((p) => !p.includes("*")));
  const globs = patterns.filter((p) => p.includes("*")).map((p) => new RegExp(`^${p.split("*").map(escapeRegExp).join(".*")}$`, "s"));
  if (!globs.length) return (name) => exact.has(name);
  return (name) => exact.has(name) || globs.some((g) => g.test(name));
}
