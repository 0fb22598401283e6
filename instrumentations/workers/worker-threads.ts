/**
 * Recorded tasks on plain `worker_threads` workers: `runInWorker(worker,
 * data)` in the submitting thread, `serveWorkerTasks(fn)` in the worker.
 * The pair adds a small request/reply protocol on the worker's message
 * port; other messages pass by untouched.
 */
import { diag } from "@opentelemetry/api";
import { parentPort, type TransferListItem, type Worker } from "node:worker_threads";
import { isTaskEnvelope, isTaskReply, type TaskEnvelope, type TaskReply } from "./task-envelope.js";
import { runTaskEnvelope } from "./worker-runtime.js";
import { submitWorkerTask, type WorkerTaskOptions } from "./worker-task.js";
import { errorMessage } from "../../lib/util/error-message.js";

const CALL_KEY = "__flowcept_call_id__";
let nextCall = 1;

/** Options of {@link runInWorker}. */
export interface RunInWorkerOptions extends WorkerTaskOptions {
  transferList?: readonly TransferListItem[] | undefined;
}

/**
 * Sends `data` to a worker that runs {@link serveWorkerTasks} and resolves
 * with what the worker function returned (rejects with what it threw), as a
 * recorded task: RUNNING when the worker starts it, FINISHED or ERROR at the
 * end, the worker's own tasks under it in the same workflow. Rejects when the
 * worker exits or fails before answering.
 */
export function runInWorker<T = unknown>(worker: Worker, data: unknown, options: RunInWorkerOptions = {}): Promise<T> {
  const activityId = options.activityId ?? "worker_task";
  const poolName = options.poolName ?? "worker";
  return submitWorkerTask({ activityId, poolName, options, task: data }, (envelope) => post(worker, isTaskEnvelope(envelope) ? envelope : wrapPlain(data), options.transferList)) as Promise<T>;
}

/** Capture off: the worker still expects an envelope, with no context to restore. */
function wrapPlain(data: unknown): TaskEnvelope {
  return { __flowcept_worker_task__: 1, taskId: "", traceId: "", spanId: "", settings: { enabled: false, maxBytes: 0, maxStringLength: 0, maxDepth: 0 }, task: data };
}

function post(worker: Worker, envelope: TaskEnvelope, transferList: readonly TransferListItem[] | undefined): Promise<TaskReply> {
  const id = nextCall++;
  return new Promise<TaskReply>((resolve, reject) => {
    const onMessage = (msg: unknown) => {
      if (isTaskReply(msg) && (msg as unknown as Record<string, unknown>)[CALL_KEY] === id) {
        cleanup();
        resolve(msg);
      }
    };
    const onError = (err: unknown) => {
      cleanup();
      reject(err);
    };
    const onExit = (code: number) => {
      cleanup();
      reject(new Error(`worker exited with code ${code} before answering`));
    };
    const cleanup = () => {
      worker.off("message", onMessage);
      worker.off("error", onError);
      worker.off("exit", onExit);
    };
    worker.on("message", onMessage);
    worker.on("error", onError);
    worker.on("exit", onExit);
    try {
      worker.postMessage({ ...envelope, [CALL_KEY]: id }, transferList);
    } catch (err) {
      cleanup();
      reject(err);
    }
  });
}

/**
 * In a worker thread: answers the tasks {@link runInWorker} sends, by
 * calling `fn(data)` in the submitting thread's workflow context. Returns a
 * function that stops serving.
 */
export function serveWorkerTasks(fn: (data: never) => unknown): () => void {
  const port = parentPort;
  if (port === null) throw new Error("serveWorkerTasks: not running in a worker thread");
  const onMessage = (msg: unknown) => {
    if (!isTaskEnvelope(msg)) return;
    const id = (msg as unknown as Record<string, unknown>)[CALL_KEY];
    void runTaskEnvelope(msg, fn as (task: unknown) => unknown).then((reply) => {
      try {
        port.postMessage({ ...reply, [CALL_KEY]: id });
      } catch (err) {
        // The result or error cannot be cloned: answer with that error, as postMessage would have thrown it.
        diag.warn(`flowcept: worker reply not cloneable: ${errorMessage(err)}`);
        port.postMessage({ ...reply, ok: false, result: undefined, error: err, [CALL_KEY]: id });
      }
    });
  };
  port.on("message", onMessage);
  return () => port.off("message", onMessage);
}
