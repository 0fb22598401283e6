/**
 * Float seconds since the epoch as an ISO 8601 / RFC 3339 UTC date-time with
 * microseconds (`2026-11-30T12:00:00.123456Z`), the precision Flowcept
 * records; undefined for anything that is not a finite time.
 */
export function isoTime(seconds: unknown): string | undefined {
  if (typeof seconds !== "number" || !Number.isFinite(seconds)) return undefined;
  const whole = Math.floor(seconds);
  const micros = Math.round((seconds - whole) * 1e6);
  const carry = micros === 1_000_000 ? 1 : 0;
  const date = new Date((whole + carry) * 1000);
  if (Number.isNaN(date.getTime())) return undefined;
  return `${date.toISOString().slice(0, 19)}.${String(carry ? 0 : micros).padStart(6, "0")}Z`;
}
