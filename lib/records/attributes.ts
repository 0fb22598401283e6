/**
 * Span attribute names under the `flowcept.` namespace. Ids and small scalars
 * are plain attributes; objects are JSON strings (OTel attributes cannot hold
 * objects).
 */
export const ATTR = {
  TYPE: "flowcept.type",
  TASK_ID: "flowcept.task_id",
  WORKFLOW_ID: "flowcept.workflow_id",
  CAMPAIGN_ID: "flowcept.campaign_id",
  PARENT_TASK_ID: "flowcept.parent_task_id",
  GROUP_ID: "flowcept.group_id",
  SUBTYPE: "flowcept.subtype",
  STATUS: "flowcept.status",
  TAGS: "flowcept.tags",
  USED: "flowcept.used",
  GENERATED: "flowcept.generated",
  CUSTOM_METADATA: "flowcept.custom_metadata",
  STDOUT: "flowcept.stdout",
  STDERR: "flowcept.stderr",
  DATA: "flowcept.data",
  AGENT_ID: "flowcept.agent_id",
  SOURCE_AGENT_ID: "flowcept.source_agent_id",
  ADAPTER_ID: "flowcept.adapter_id",
  ADDRESS: "flowcept.address",
  HOSTNAME: "flowcept.hostname",
  TELEMETRY_AT_START: "flowcept.telemetry_at_start",
  TELEMETRY_AT_END: "flowcept.telemetry_at_end",
  SUBMITTED_AT: "flowcept.submitted_at",
  STARTED_AT: "flowcept.started_at",
  ENDED_AT: "flowcept.ended_at",
  /** Workflow-only fields are stored as one JSON object. */
  WORKFLOW: "flowcept.workflow",
  /** Loop / batch spans: number of iterations or records they stand for. */
  COUNT: "flowcept.count",
} as const;

/** Values of the `flowcept.type` attribute. */
export const SPAN_TYPE = {
  TASK: "task",
  WORKFLOW: "workflow",
  LOOP: "loop",
  /** One span standing for a batch of records built without per-call spans. */
  BATCH: "batch",
} as const;
