export { runInWorker, serveWorkerTasks } from "./worker-threads.js";
export type { RunInWorkerOptions } from "./worker-threads.js";
export type { WorkerTaskOptions } from "./worker-task.js";
