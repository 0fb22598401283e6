import { basename, extname } from "node:path";
import { fileURLToPath } from "node:url";
import { isTaskEnvelope } from "../workers/task-envelope.js";
import { submitWorkerTask, type WorkerTaskOptions } from "../workers/worker-task.js";

/** The slice of piscina's `Piscina` this module touches (structural: piscina stays optional). */
export interface PiscinaLike {
  /** Runs a task in the pool. */
  run(task: unknown, options?: Record<string, unknown>): Promise<unknown>;
  readonly options?: { filename?: string | null; name?: string | null };
}

const WORKER_ENTRY = fileURLToPath(new URL("./piscina-worker.js", import.meta.url));
const kTransferable = Symbol.for("Piscina.transferable");
const kValue = Symbol.for("Piscina.valueOf");
const instrumented = new WeakSet<object>();

function toPath(f: string): string {
  return f.startsWith("file:") ? fileURLToPath(f) : f;
}

/**
 * One `run` of an instrumented pool: the task goes to the Flowcept worker
 * entry in an envelope naming the user's module and export. Option checks,
 * rejections and results stay piscina's.
 */
export function runInstrumented(pool: PiscinaLike, run: PiscinaLike["run"], task: unknown, runOptions: Record<string, unknown> | undefined, options: WorkerTaskOptions): Promise<unknown> {
  const ro = runOptions ?? {};
  const filename = ro === null || typeof ro !== "object" ? undefined : (ro.filename ?? pool.options?.filename);
  if (isTaskEnvelope(task) || typeof filename !== "string" || (ro.name != null && typeof ro.name !== "string") || (ro.transferList !== undefined && !Array.isArray(ro.transferList))) {
    return runOptions === undefined ? run.call(pool, task) : run.call(pool, task, runOptions);
  }
  const name = (ro.name as string | undefined) ?? pool.options?.name ?? "default";
  const file = toPath(filename);
  const activityId = options.activityId ?? (name !== "default" ? name : basename(file, extname(file)));
  // A task handed over with Piscina.move() keeps its transfer list inside the envelope.
  let data = task;
  let transferList = ro.transferList as unknown[] | undefined;
  if (task !== null && typeof task === "object" && kTransferable in task && kValue in task) {
    const t = task as Record<symbol, unknown>;
    transferList = [...(transferList ?? []), ...[t[kTransferable]].flat()];
    data = t[kValue];
  }
  return submitWorkerTask({ activityId, poolName: options.poolName ?? "piscina", options, task: data, extra: { filename: file, name } }, (envelope) =>
    isTaskEnvelope(envelope) ? run.call(pool, envelope, { ...ro, filename: WORKER_ENTRY, name: "default", transferList }) : runOptions === undefined ? run.call(pool, task) : run.call(pool, task, runOptions),
  );
}

/**
 * Records every task submitted to this piscina pool (Flowcept's Dask
 * adapter, for worker threads): a RUNNING message when a worker starts it
 * and a FINISHED or ERROR message when it ends (same `task_id`), with
 * `address` = pool name and worker thread id, `used` = the submitted data,
 * `generated` = the result. The workflow context crosses into the worker:
 * a `flowceptTask` called by the worker code lands in the same workflow,
 * under the pool task. Returns the pool.
 */
export function instrumentPiscina<P extends object>(pool: P, options: WorkerTaskOptions = {}): P {
  if (instrumented.has(pool)) return pool;
  const p = pool as unknown as PiscinaLike;
  const run = p.run;
  if (typeof run !== "function") throw new TypeError("instrumentPiscina: expected a piscina pool");
  Object.defineProperty(p, "run", {
    configurable: true,
    writable: true,
    value: function (this: PiscinaLike, task: unknown, runOptions?: Record<string, unknown>) {
      return runInstrumented(this, run, task, runOptions, options);
    },
  });
  instrumented.add(pool);
  return pool;
}
