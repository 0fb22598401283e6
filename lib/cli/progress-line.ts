/**
 * The progress of a long step (reading a large store, building an index) as
 * one line on stderr, rewritten in place at most five times a second and
 * cleared when the step ends — only when stderr is a terminal, so that
 * output piped to files and programs stays clean.
 */
import type { CliIo } from "./cli-context.js";

/** Bytes in MB, other counts as they are. */
function amount(step: string, n: number): string {
  return /^(indexing|reading) /.test(step) && !/records/.test(step) ? `${(n / (1024 * 1024)).toFixed(1)} MB` : String(n);
}

/** A `(step, done, total)` callback drawing the progress line on `io`'s terminal. */
export function progressLine(io: CliIo): (step: string, done: number, total: number) => void {
  let last = 0;
  let shown = false;
  return (step, done, total) => {
    if (!io.errIsTTY) return;
    if (done >= total) {
      if (shown) io.err("\r\x1b[K");
      shown = false;
      return;
    }
    const now = Date.now();
    if (now - last < 200) return;
    last = now;
    shown = true;
    const pct = total > 0 ? ` (${Math.floor((done / total) * 100)}%)` : "";
    io.err(`\r\x1b[K${step}: ${amount(step, done)} of ${amount(step, total)}${pct}`);
  };
}
