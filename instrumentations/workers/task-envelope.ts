/**
 * What crosses the thread boundary with a worker task: the submitted data,
 * the workflow context (W3C-style trace ids plus the workflow scope), and on
 * the way back the result and the records the worker produced.
 */
import type { FlowceptRecord } from "../../lib/records/records.js";

/** Key that marks an envelope (a string: symbols do not survive structured cloning). */
export const TASK_KEY = "__flowcept_worker_task__";
/** Key that marks a reply. */
export const REPLY_KEY = "__flowcept_worker_reply__";

/** The capture settings a worker applies, so that it records as the submitting thread does. */
export interface WorkerCaptureSettings {
  enabled: boolean;
  maxBytes: number;
  maxStringLength: number;
  maxDepth: number;
}

/** A task on its way to a worker. */
export interface TaskEnvelope {
  [TASK_KEY]: 1;
  /** The pool task's id (`<trace id>-<span id>`). */
  taskId: string;
  traceId: string;
  spanId: string;
  /** The workflow scope the task was submitted in, if any. */
  scope?: { workflowId: string; campaignId: string; traceId: string; rootSpanId: string; persist: boolean; workflowName?: string; agentId?: string };
  settings: WorkerCaptureSettings;
  /** False: the worker does not announce the start; the RUNNING message is written with the reply. */
  announce?: boolean;
  /** The user's data. */
  task: unknown;
  /** Worker module and export to run (pools that pick the function per task). */
  filename?: string;
  name?: string;
}

/** A worker's answer. */
export interface TaskReply {
  [REPLY_KEY]: 1;
  ok: boolean;
  result?: unknown;
  error?: unknown;
  threadId: number;
  /** Float seconds since the epoch. */
  startedAt: number;
  endedAt: number;
  /** Records made in the worker while the task ran (its inner tasks). */
  records: FlowceptRecord[];
}

/** Whether `v` is a task envelope. */
export function isTaskEnvelope(v: unknown): v is TaskEnvelope {
  return v !== null && typeof v === "object" && (v as Record<string, unknown>)[TASK_KEY] === 1;
}

/** Whether `v` is a reply. */
export function isTaskReply(v: unknown): v is TaskReply {
  return v !== null && typeof v === "object" && (v as Record<string, unknown>)[REPLY_KEY] === 1;
}

/** Name of the channel on which workers announce that a task started. */
export const RUNNING_CHANNEL = "flowcept-otel:worker-task-running";

/** The announcement of a started task. */
export interface RunningNotice {
  taskId: string;
  threadId: number;
  startedAt: number;
}
