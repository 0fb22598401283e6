/**
 * The one mapping from spans to Flowcept records, used by the in-process
 * processor (from `ReadableSpan`) and by the OTLP ingest service (from OTLP
 * spans): both first turn their span into {@link SpanData}.
 */
import type { Attributes } from "@opentelemetry/api";
import { ATTR, SPAN_TYPE } from "../records/attributes.js";
import { RawJson } from "../records/RawJson.js";
import { TRACER_NAME } from "../process/version.js";
import { taskIdOf, traceIdToUuid } from "../records/ids.js";
import { Status, type JsonObject, type JsonValue, type StatusValue } from "../records/records.js";
import type { RawRecord, RawTaskRecord, RawWorkflowRecord } from "../records/RawJson.js";
import { strAttr, type SpanData } from "./span-data.js";
import { isSecretName, REDACTED, redactJson, redactValue } from "../records/redact.js";
import { setOwn } from "../util/own-property.js";
import { agentSpanRole } from "./agent-span.js";
import { agentTaskFields, type AgentTaskFields } from "./agent-span-fields.js";
import type { JsonSafeLimits } from "../records/json-safe.js";

/** Values the mapping uses when a span does not carry them, and how it treats JSON attributes. */
export interface MappingDefaults {
  /**
   * Keep JSON attributes of Flowcept's own spans as {@link RawJson} text
   * instead of parsing them (the in-process processor does, for speed; the
   * text was produced by `JSON.stringify`). Spans of other origin are always parsed.
   */
  rawJson?: boolean;
  /**
   * Keep JSON object attributes (`used`, `generated`, telemetry…) of any
   * span as {@link RawJson} once they are checked: parsed, an object, and on
   * one line. The JSONL store then writes the text received instead of
   * serialising the parsed value again (the ingest service does, for text
   * that came over the network).
   */
  checkedRawJson?: boolean;
  /** Hostname for spans without `flowcept.hostname` or a `host.name` resource attribute. */
  hostname?: string;
  /** Workflow id for foreign spans outside any Flowcept workflow. */
  workflowId?: string;
  campaignId?: string;
  /** Size caps of the prompts, responses and tool values of agentic spans. Default: the settings' defaults. */
  limits?: JsonSafeLimits;
}

const KIND_NAMES = ["internal", "server", "client", "producer", "consumer"];
const SPAN_STATUS_ERROR = 2;

/** Derived task statuses the mapping never overrides with the span status. */
const STATUS_VALUES = new Set<string>(Object.values(Status));

/** Parses JSON text (redacted, as every value parsed here); unparsable text is kept under `value`. */
function parseJsonText(text: string): JsonValue {
  try {
    return redactJson(JSON.parse(text) as JsonValue);
  } catch {
    return { value: redactValue(text), error: "unparsable JSON attribute" };
  }
}

function jsonObjectAttr(attrs: Attributes, key: string, raw = false, checked = false): JsonObject | RawJson | undefined {
  return jsonObjectValue(attrs[key], raw, checked);
}

/**
 * A JSON-object attribute value: kept as {@link RawJson} text (`raw`: text
 * this process's capture made, already converted and redacted), or parsed
 * and redacted (and, with `checked`, kept as the text received when
 * redaction changed nothing).
 */
function jsonObjectValue(text: unknown, raw = false, checked = false): JsonObject | RawJson | undefined {
  if (typeof text !== "string") return undefined;
  if (raw) return new RawJson(text);
  let parsed: JsonValue;
  try {
    parsed = JSON.parse(text) as JsonValue;
  } catch {
    return { value: redactValue(text), error: "unparsable JSON attribute" };
  }
  if (parsed === null) return undefined;
  const v = redactJson(parsed);
  if (typeof v !== "object" || Array.isArray(v)) return { value: v };
  // Whitespace between JSON tokens may be a line break, which would split a JSONL line.
  if (checked && v === parsed && text.indexOf("\n") === -1 && text.indexOf("\r") === -1) return new RawJson(text, v);
  return v;
}

function put(rec: Record<string, unknown>, key: string, value: unknown): void {
  if (value !== undefined && value !== null) rec[key] = value;
}

function statusOf(span: SpanData, attrs: Attributes): StatusValue {
  return statusFrom(span, attrs[ATTR.STATUS]);
}

function statusFrom(span: SpanData, explicit: unknown): StatusValue {
  if (typeof explicit === "string" && STATUS_VALUES.has(explicit)) return explicit as StatusValue;
  if (span.status.code === SPAN_STATUS_ERROR) return Status.ERROR;
  return span.endTime === undefined ? Status.RUNNING : Status.FINISHED;
}

function spanError(span: SpanData): string | undefined {
  if (span.status.message) return redactValue(span.status.message);
  const ev = span.events?.find((e) => e.name === "exception");
  const msg = ev?.attributes?.["exception.message"];
  return typeof msg === "string" ? redactValue(msg) : undefined;
}

/** Keys a workflow's metadata JSON may not set: type and identity come from the mapping. */
const WORKFLOW_IDENTITY = new Set(["type", "workflow_id", "campaign_id"]);

/** `flowcept.hostname`, else the resource's `host.name`, else the mapping default. */
function hostnameOf(explicit: unknown, span: SpanData, defaults: MappingDefaults): string | undefined {
  return typeof explicit === "string" ? explicit : (strAttr(span.resourceAttributes ?? {}, "host.name") ?? defaults.hostname);
}

function workflowRecord(span: SpanData, attrs: Attributes, defaults: MappingDefaults): RawWorkflowRecord {
  const meta = (jsonObjectAttr(attrs, ATTR.WORKFLOW) ?? {}) as JsonObject;
  const rec: Record<string, unknown> = { type: "workflow", workflow_id: strAttr(attrs, ATTR.WORKFLOW_ID) ?? traceIdToUuid(span.traceId) };
  put(rec, "campaign_id", strAttr(attrs, ATTR.CAMPAIGN_ID));
  for (const k of Object.keys(meta)) if (!WORKFLOW_IDENTITY.has(k)) setOwn(rec, k, meta[k]);
  put(rec, "name", (meta.name as string | undefined) ?? span.name);
  put(rec, "used", jsonObjectAttr(attrs, ATTR.USED));
  put(rec, "generated", jsonObjectAttr(attrs, ATTR.GENERATED));
  put(rec, "custom_metadata", jsonObjectAttr(attrs, ATTR.CUSTOM_METADATA) ?? meta.custom_metadata);
  put(rec, "hostname", (meta.hostname as string | undefined) ?? hostnameOf(attrs[ATTR.HOSTNAME], span, defaults));
  rec.started_at = span.startTime;
  put(rec, "ended_at", span.endTime);
  const status = statusOf(span, attrs);
  rec.status = status;
  if (status === Status.ERROR) put(rec, "stderr", textOrJsonValue(attrs[ATTR.STDERR]) ?? spanError(span));
  rec.utc_timestamp = span.endTime ?? span.startTime;
  return rec as RawWorkflowRecord;
}

function taskRecord(span: SpanData, attrs: Attributes, type: string | undefined, defaults: MappingDefaults): RawTaskRecord {
  const ours = type !== undefined;
  const raw = ours && defaults.rawJson === true && span.scopeName === TRACER_NAME;
  const checked = defaults.checkedRawJson === true;
  // One pass over the attributes: a span carries a few of the many fields a task may have.
  let taskId: unknown, workflowId: unknown, campaignId: unknown, used: unknown, generated: unknown, submittedAt: unknown;
  let startedAt: unknown, endedAt: unknown, explicitStatus: unknown, stdout: unknown, stderr: unknown, parent: unknown;
  let groupId: unknown, subtype: unknown, tags: unknown, custom: unknown, data: unknown, telStart: unknown, telEnd: unknown;
  let host: unknown, agentId: unknown, sourceAgentId: unknown, adapterId: unknown, address: unknown;
  let foreign: JsonObject | undefined;
  const role = ours ? undefined : agentSpanRole(attrs, span.kind);
  for (const key in attrs) {
    const v = attrs[key];
    if (v === undefined) continue;
    if (!key.startsWith("flowcept.")) {
      if (!ours) setOwn((foreign ??= {}), key, isSecretName(key) ? REDACTED : typeof v === "string" ? redactValue(v) : Array.isArray(v) ? redactJson([...v]) : v);
      continue;
    }
    switch (key) {
      case ATTR.TASK_ID: taskId = v; break;
      case ATTR.WORKFLOW_ID: workflowId = v; break;
      case ATTR.CAMPAIGN_ID: campaignId = v; break;
      case ATTR.USED: used = v; break;
      case ATTR.GENERATED: generated = v; break;
      case ATTR.SUBMITTED_AT: submittedAt = v; break;
      case ATTR.STARTED_AT: startedAt = v; break;
      case ATTR.ENDED_AT: endedAt = v; break;
      case ATTR.STATUS: explicitStatus = v; break;
      case ATTR.STDOUT: stdout = v; break;
      case ATTR.STDERR: stderr = v; break;
      case ATTR.PARENT_TASK_ID: parent = v; break;
      case ATTR.GROUP_ID: groupId = v; break;
      case ATTR.SUBTYPE: subtype = v; break;
      case ATTR.TAGS: tags = v; break;
      case ATTR.CUSTOM_METADATA: custom = v; break;
      case ATTR.DATA: data = v; break;
      case ATTR.TELEMETRY_AT_START: telStart = v; break;
      case ATTR.TELEMETRY_AT_END: telEnd = v; break;
      case ATTR.HOSTNAME: host = v; break;
      case ATTR.AGENT_ID: agentId = v; break;
      case ATTR.SOURCE_AGENT_ID: sourceAgentId = v; break;
      case ATTR.ADAPTER_ID: adapterId = v; break;
      case ATTR.ADDRESS: address = v; break;
    }
  }
  const agent: AgentTaskFields | undefined = role === undefined ? undefined : agentTaskFields(span, role, foreign, defaults.limits);
  const rec: Record<string, unknown> = {
    type: "task",
    task_id: typeof taskId === "string" ? taskId : taskIdOf(span.traceId, span.spanId),
  };
  put(rec, "workflow_id", typeof workflowId === "string" ? workflowId : defaults.workflowId);
  put(rec, "campaign_id", typeof campaignId === "string" ? campaignId : defaults.campaignId);
  rec.activity_id = agent?.activityId ?? span.name;
  put(rec, "used", ours ? jsonObjectValue(used, raw, checked) : (agent?.used ?? foreign));
  put(rec, "generated", jsonObjectValue(generated, raw, checked) ?? agent?.generated);
  if (typeof submittedAt === "number") rec.submitted_at = submittedAt;
  rec.started_at = typeof startedAt === "number" ? startedAt : span.startTime;
  put(rec, "ended_at", typeof endedAt === "number" ? endedAt : span.endTime);
  const status = statusFrom(span, explicitStatus);
  rec.status = status;
  put(rec, "stdout", textOrJsonValue(stdout));
  put(rec, "stderr", textOrJsonValue(stderr) ?? (status === Status.ERROR ? (spanError(span) ?? agent?.errorType) : undefined));
  if (typeof parent === "string") {
    if (parent !== "") rec.parent_task_id = parent;
  } else if (span.parentSpanId) rec.parent_task_id = taskIdOf(span.traceId, span.parentSpanId);
  if (typeof groupId === "string") rec.group_id = groupId;
  put(rec, "subtype", typeof subtype === "string" ? subtype : type === SPAN_TYPE.LOOP ? "loop" : ours ? undefined : (agent?.subtype ?? genAiOperation(attrs) ?? KIND_NAMES[span.kind]));
  if (Array.isArray(tags) && tags.length) rec.tags = [...tags];
  let customValue = jsonObjectValue(custom, raw, checked && ours);
  if (agent !== undefined) customValue = { ...(customValue as JsonObject | undefined), ...agent.customMetadata };
  if (!ours && span.scopeName) customValue = { ...(customValue as JsonObject | undefined), otel_scope: span.scopeName };
  put(rec, "custom_metadata", customValue);
  if (typeof data === "string") rec.data = parseJsonText(data);
  put(rec, "telemetry_at_start", jsonObjectValue(telStart, raw, checked));
  put(rec, "telemetry_at_end", jsonObjectValue(telEnd, raw, checked));
  // telemetry_summary is derived where records are read or stored (record-enrichment.ts), not here:
  // the local store's write path never parses the snapshots.
  put(rec, "hostname", hostnameOf(host, span, defaults));
  const agentIdValue = agent?.agentId ?? agentId;
  if (typeof agentIdValue === "string") rec.agent_id = agentIdValue;
  if (typeof sourceAgentId === "string") rec.source_agent_id = sourceAgentId;
  if (typeof adapterId === "string") rec.adapter_id = adapterId;
  if (typeof address === "string") rec.address = address;
  rec.utc_timestamp = (rec.ended_at as number | undefined) ?? (rec.started_at as number);
  return rec as RawTaskRecord;
}

/** The GenAI operation of a span that is no model, tool or agent call (`retrieval`, `create_agent`…), as its subtype. */
function genAiOperation(attrs: Attributes): string | undefined {
  return strAttr(attrs, "gen_ai.operation.name");
}

/** stdout/stderr may be text or a JSON object (Flowcept allows both); redacted either way. */
function textOrJsonValue(v: unknown): string | JsonObject | undefined {
  if (typeof v !== "string") return undefined;
  if (v.startsWith("{")) {
    try {
      return redactJson(JSON.parse(v) as JsonObject);
    } catch {
      return redactValue(v);
    }
  }
  return redactValue(v);
}

/**
 * Maps a span to its Flowcept record: a workflow span to a workflow record,
 * every other span (ours or another instrumentation's) to a task record.
 * Returns undefined for spans that stand for records emitted on their own
 * (batch spans of the lightweight paths).
 */
export function spanToRecord(span: SpanData, defaults: MappingDefaults = {}): RawRecord | undefined {
  const attrs = span.attributes;
  const type = strAttr(attrs, ATTR.TYPE);
  if (type === SPAN_TYPE.BATCH) return undefined;
  if (type === SPAN_TYPE.WORKFLOW) return workflowRecord(span, attrs, defaults);
  return taskRecord(span, attrs, type, defaults);
}
