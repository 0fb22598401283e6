/**
 * Writes a synthetic local store (JSONL) shaped like a real one: workflows
 * with a start and an end message, tasks with `used`, `generated` and CPU and
 * memory telemetry (about 1 KB a line, as `telemetry_capture` writes them).
 * `node dist/bench/generate-store.js <path> [records]` writes one from the
 * command line; the store benchmark calls {@link generateStore}.
 */
import { closeSync, openSync, writeSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** Options of {@link generateStore}. */
export interface GenerateStoreOptions {
  /** Task records to write. Default 1 000 000. */
  tasks?: number | undefined;
  /** Workflows the tasks are spread over. Default 200. */
  workflows?: number | undefined;
}

function uuid(n: number, salt: number): string {
  const h = (n * 2654435761 + salt * 40503) >>> 0;
  const hex = h.toString(16).padStart(8, "0") + n.toString(16).padStart(24, "0");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function telemetry(i: number): Record<string, unknown> {
  return {
    cpu: { times_avg: { user: 3784.9 + i / 1000, nice: 0, system: 481.17, idle: 3199.78, iowait: 10.89, irq: 0, softirq: 9.73, steal: 183.58 }, percent_all: (i % 100) + 0.5, frequency: 2299.998 },
    memory: { virtual: { total: 25276514304, available: 21481988096 - i, percent: 15, used: 3451719680 + i, free: 16073478144, active: 1534488576, cached: 5628911616 }, swap: { total: 0, used: 0, free: 0, percent: 0 } },
  };
}

/** Writes the store; returns the number of lines written. */
export function generateStore(path: string, options: GenerateStoreOptions = {}): number {
  const tasks = options.tasks ?? 1_000_000;
  const workflows = Math.max(1, options.workflows ?? 200);
  const fd = openSync(path, "w");
  const t0 = 1_790_000_000;
  let lines = 0;
  let text = "";
  const flush = (force: boolean): void => {
    if (text.length > (force ? 0 : 1 << 22)) {
      writeSync(fd, text);
      text = "";
    }
  };
  try {
    const perWorkflow = Math.ceil(tasks / workflows);
    let task = 0;
    for (let w = 0; w < workflows; w++) {
      const workflow_id = uuid(w, 1);
      const started = t0 + w * 3600;
      text += `${JSON.stringify({ type: "workflow", workflow_id, campaign_id: uuid(0, 2), name: `workflow_${w}`, started_at: started, status: "RUNNING", hostname: "bench" })}\n`;
      lines++;
      const n = Math.min(perWorkflow, tasks - task);
      for (let k = 0; k < n; k++, task++) {
        const at = started + k * 0.01;
        const rec = {
          type: "task",
          task_id: `${workflow_id.replace(/-/g, "")}-${task.toString(16).padStart(16, "0")}`,
          workflow_id,
          campaign_id: uuid(0, 2),
          activity_id: `step_${k % 7}`,
          used: { x: k, lr: 0.001 * (k % 10), batch: `batch-${k % 64}` },
          generated: { loss: 1 / (k + 1), accuracy: (k % 100) / 100 },
          started_at: at,
          ended_at: at + 0.004,
          status: k % 997 === 0 ? "ERROR" : "FINISHED",
          telemetry_at_start: telemetry(task),
          telemetry_at_end: telemetry(task + 1),
          hostname: "bench",
          utc_timestamp: at + 0.004,
        };
        text += `${JSON.stringify(rec)}\n`;
        lines++;
        flush(false);
      }
      text += `${JSON.stringify({ type: "workflow", workflow_id, ended_at: started + n * 0.01 + 1, status: "FINISHED" })}\n`;
      lines++;
    }
    flush(true);
  } finally {
    closeSync(fd);
  }
  return lines;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const path = process.argv[2];
  if (!path) {
    process.stderr.write("usage: node dist/bench/generate-store.js <path> [tasks]\n");
    process.exitCode = 2;
  } else {
    const n = generateStore(path, { tasks: process.argv[3] ? Number(process.argv[3]) : undefined });
    process.stdout.write(`${n} lines written to ${path}\n`);
  }
}
