/** A plain worker_threads worker serving recorded tasks. */
import { serveWorkerTasks } from "../../instrumentations/workers/worker-threads.js";
import work from "./pool-worker.js";

serveWorkerTasks(work as never);
