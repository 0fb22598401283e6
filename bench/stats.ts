/** Small helpers shared by the benchmarks: interleaved rounds, medians, tables. */

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * CPU nanoseconds (user + system, this process) since `since`. CPU time, not
 * wall time: these 2-core machines are shared, and wall time mostly measures
 * the neighbours.
 */
export function cpuNs(since?: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(since);
  return (u.user + u.system) * 1000;
}

/** CPU nanoseconds per operation of `n` calls of `fn`. */
export function timeOps(n: number, fn: (i: number) => void): number {
  const t0 = process.cpuUsage();
  for (let i = 0; i < n; i++) fn(i);
  return cpuNs(t0) / n;
}

/** Async variant: `fn` may return a promise, awaited in turn; `after` runs inside the timed span. */
export async function timeOpsAsync(n: number, fn: (i: number) => void | Promise<void>, after?: () => Promise<void>): Promise<number> {
  const t0 = process.cpuUsage();
  for (let i = 0; i < n; i++) await fn(i);
  if (after) await after();
  return cpuNs(t0) / n;
}

export interface Case {
  name: string;
  /** Runs one timed batch and returns ns per operation. */
  run(): number | Promise<number>;
}

/** Runs every case once per round, `rounds` times, interleaved; returns medians. */
export async function interleave(cases: Case[], rounds: number): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>(cases.map((c) => [c.name, []]));
  for (let r = 0; r < rounds; r++) for (const c of cases) out.get(c.name)!.push(await c.run());
  return out;
}

export function fmtNs(ns: number): string {
  return ns >= 1000 ? `${(ns / 1000).toFixed(2)} µs` : `${ns.toFixed(0)} ns`;
}

export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ")).join("\n");
}

export function heading(title: string): void {
  process.stdout.write(`\n== ${title} ==\n`);
}
