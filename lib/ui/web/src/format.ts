/** Times, durations and ids for people. */

function pad(n: number, w = 2): string {
  return String(n).padStart(w, "0");
}

/** Local date and time with milliseconds, from seconds since the epoch. */
export function when(t: number | undefined): string {
  if (t === undefined) return "";
  const d = new Date(t * 1000);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** A duration in seconds as ms, s, min or h. */
export function duration(s: number | undefined): string {
  if (s === undefined || !Number.isFinite(s)) return "";
  if (s < 1) return `${(s * 1000).toPrecision(3)} ms`;
  if (s < 60) return `${s.toFixed(2)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
}

/** The seconds between two times, when both are known. */
export function between(a: number | undefined, b: number | undefined): number | undefined {
  return a !== undefined && b !== undefined ? b - a : undefined;
}

/** The last characters of a long id. */
export function shortId(id: string): string {
  return id.length > 14 ? `…${id.slice(-10)}` : id;
}

/** Status colours, the same in tables and charts. */
export const STATUS_COLORS: Record<string, string> = {
  FINISHED: "#4c9a6a",
  ERROR: "#d1495b",
  RUNNING: "#3b75af",
  SUBMITTED: "#8e6c8a",
  WAITING: "#c4923b",
  UNKNOWN: "#9a9a9a",
};

export function statusColor(s: string | undefined): string {
  return STATUS_COLORS[s ?? "UNKNOWN"] ?? "#9a9a9a";
}
