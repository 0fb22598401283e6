/** Times and durations for people: local ISO 8601 times, durations from nanoseconds to hours. */

function pad(n: number, width = 2): string {
  return String(Math.floor(n)).padStart(width, "0");
}

/** Seconds as a short duration: `350 ns`, `12.5 µs`, `850 ms`, `4.25 s`, `4 min 05 s`, `2 h 03 min`; "" for anything else. */
export function formatDuration(seconds: unknown): string {
  if (typeof seconds !== "number" || !Number.isFinite(seconds) || seconds < 0) return "";
  if (seconds < 1e-6) return `${Math.round(seconds * 1e9)} ns`;
  if (seconds < 1e-3) return `${Number((seconds * 1e6).toPrecision(3))} µs`;
  if (seconds < 1) return `${Number((seconds * 1e3).toPrecision(3))} ms`;
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 2 : 1)} s`;
  const whole = Math.round(seconds);
  if (whole < 3600) return `${Math.floor(whole / 60)} min ${pad(whole % 60)} s`;
  return `${Math.floor(whole / 3600)} h ${pad((whole % 3600) / 60)} min`;
}

/**
 * Seconds since the epoch as an ISO 8601 time in the local time zone, with
 * milliseconds and the offset (`2023-11-14T23:13:20.000+01:00`, `…Z` in
 * UTC); "" for anything else.
 */
export function formatLocalTime(seconds: unknown): string {
  if (typeof seconds !== "number" || !Number.isFinite(seconds)) return "";
  const d = new Date(seconds * 1000);
  if (Number.isNaN(d.getTime())) return "";
  const offsetMin = -d.getTimezoneOffset();
  const local = new Date(d.getTime() + offsetMin * 60_000).toISOString().slice(0, 23);
  if (offsetMin === 0) return `${local}Z`;
  const abs = Math.abs(offsetMin);
  return `${local}${offsetMin > 0 ? "+" : "-"}${pad(abs / 60)}:${pad(abs % 60)}`;
}
