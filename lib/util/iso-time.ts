/**
 * Float seconds since the epoch as an ISO 8601 / RFC 3339 UTC date-time:
 * with microseconds and `Z` by default (`2026-11-30T12:00:00.123456Z`), the
 * precision Flowcept records, or with `digits` fraction digits and another
 * spelling of UTC (`+00:00`); undefined for anything that is not a finite time.
 */
export function isoTime(seconds: unknown, digits: 3 | 6 = 6, utc: "Z" | "+00:00" = "Z"): string | undefined {
  if (typeof seconds !== "number" || !Number.isFinite(seconds)) return undefined;
  const scale = 10 ** digits;
  let whole = Math.floor(seconds);
  let fraction = Math.round((seconds - whole) * scale);
  if (fraction === scale) {
    whole += 1;
    fraction = 0;
  }
  const date = new Date(whole * 1000);
  if (Number.isNaN(date.getTime())) return undefined;
  return `${date.toISOString().slice(0, 19)}.${String(fraction).padStart(digits, "0")}${utc}`;
}
