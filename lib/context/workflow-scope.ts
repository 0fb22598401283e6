/**
 * A running workflow as the capture API and the processor see it: its ids,
 * its trace, and the context its top-level tasks start in.
 */
import type { Context, Span } from "@opentelemetry/api";
import { workflowRootSpanId, workflowTraceId } from "../records/ids.js";

/** A running workflow, as seen by the capture API and the processor. */
export interface WorkflowScope {
  readonly workflowId: string;
  readonly campaignId: string;
  /** The workflow's trace id (hex of the workflow id). */
  readonly traceId: string;
  /** Span id of the scope's root: the workflow span, or the shared root when `saveWorkflow` is off. */
  readonly rootSpanId: string;
  readonly workflowName?: string;
  /** False when started with `startPersistence: false`: records go to the local store only. */
  readonly persist: boolean;
  /** The controller's `agentId`: the agent of agent tools run in this workflow. */
  readonly agentId?: string;
  /** Context holding the scope and its root span: the parent of top-level tasks. */
  context: Context;
  /** The workflow span, when this process records the workflow. */
  span?: Span;
  /**
   * Parent task of spans started outside any span of this scope: set when
   * the workflow was joined from another process (the spawning task).
   */
  readonly parentTaskId?: string;
}

/** A scope for a workflow that runs in another process, known by its ids. */
export function remoteScope(workflowId: string, campaignId: string | undefined, ctx: Context, parentTaskId?: string): WorkflowScope {
  const traceId = workflowTraceId(workflowId);
  return { workflowId, campaignId: campaignId ?? "", traceId, rootSpanId: workflowRootSpanId(traceId), persist: true, context: ctx, parentTaskId };
}
