/**
 * The one mapping from spans to Flowcept records, used by the in-process
 * processor (from `ReadableSpan`) and by the OTLP ingest service (from OTLP
 * spans): both first turn their span into {@link SpanData}.
 */
import type { Attributes } from "@opentelemetry/api";
import { ATTR, SPAN_TYPE } from "./attributes.js";
import { RawJson } from "./raw-json.js";
import { TRACER_NAME } from "./version.js";
import { taskIdOf, traceIdToUuid } from "./ids.js";
import { Status, type FlowceptRecord, type JsonObject, type JsonValue, type StatusValue, type TaskRecord, type WorkflowRecord } from "./records.js";
import { numAttr, strAttr, type SpanData } from "./span-data.js";

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
}

const KIND_NAMES = ["internal", "server", "client", "producer", "consumer"];
const SPAN_STATUS_ERROR = 2;

/** Derived task statuses the mapping never overrides with the span status. */
const STATUS_VALUES = new Set<string>(Object.values(Status));

/** Parses a JSON attribute; an unparsable one is kept as text under `value`. */
function jsonAttr(attrs: Attributes, key: string): JsonValue | undefined {
  const text = attrs[key];
  if (typeof text !== "string") return undefined;
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    return { value: text, error: "unparsable JSON attribute" };
  }
}

function jsonObjectAttr(attrs: Attributes, key: string, raw = false, checked = false): JsonObject | RawJson | undefined {
  const text = attrs[key];
  if (typeof text !== "string") return undefined;
  if (raw) return new RawJson(text);
  let v: JsonValue;
  try {
    v = JSON.parse(text) as JsonValue;
  } catch {
    return { value: text, error: "unparsable JSON attribute" };
  }
  if (v === null) return undefined;
  if (typeof v !== "object" || Array.isArray(v)) return { value: v };
  // Whitespace between JSON tokens may be a line break, which would split a JSONL line.
  if (checked && text.indexOf("\n") === -1 && text.indexOf("\r") === -1) return new RawJson(text, v);
  return v;
}

function put(rec: Record<string, unknown>, key: string, value: unknown): void {
  if (value !== undefined && value !== null) rec[key] = value;
}

function statusOf(span: SpanData, attrs: Attributes): StatusValue {
  const explicit = strAttr(attrs, ATTR.STATUS);
  if (explicit && STATUS_VALUES.has(explicit)) return explicit as StatusValue;
  if (span.status.code === SPAN_STATUS_ERROR) return Status.ERROR;
  return span.endTime === undefined ? Status.RUNNING : Status.FINISHED;
}

function errorMessage(span: SpanData): string | undefined {
  if (span.status.message) return span.status.message;
  const ev = span.events?.find((e) => e.name === "exception");
  const msg = ev?.attributes?.["exception.message"];
  return typeof msg === "string" ? msg : undefined;
}

function parentTaskId(span: SpanData, attrs: Attributes): string | undefined {
  const explicit = attrs[ATTR.PARENT_TASK_ID];
  if (typeof explicit === "string") return explicit === "" ? undefined : explicit;
  return span.parentSpanId ? taskIdOf(span.traceId, span.parentSpanId) : undefined;
}

/** Attributes of a foreign span, as `used` (the `flowcept.*` ones are left out). */
function foreignUsed(attrs: Attributes): JsonObject | undefined {
  let out: JsonObject | undefined;
  for (const key in attrs) {
    if (key.startsWith("flowcept.")) continue;
    const v = attrs[key];
    if (v === undefined) continue;
    (out ??= {})[key] = (Array.isArray(v) ? [...v] : v) as JsonValue;
  }
  return out;
}

function hostnameOf(attrs: Attributes, span: SpanData, defaults: MappingDefaults): string | undefined {
  return strAttr(attrs, ATTR.HOSTNAME) ?? strAttr(span.resourceAttributes ?? {}, "host.name") ?? defaults.hostname;
}

function workflowRecord(span: SpanData, attrs: Attributes, defaults: MappingDefaults): WorkflowRecord {
  const meta = (jsonObjectAttr(attrs, ATTR.WORKFLOW) ?? {}) as JsonObject;
  const rec: Record<string, unknown> = { type: "workflow", workflow_id: strAttr(attrs, ATTR.WORKFLOW_ID) ?? traceIdToUuid(span.traceId) };
  put(rec, "campaign_id", strAttr(attrs, ATTR.CAMPAIGN_ID));
  Object.assign(rec, meta);
  put(rec, "name", (meta.name as string | undefined) ?? span.name);
  put(rec, "used", jsonObjectAttr(attrs, ATTR.USED));
  put(rec, "generated", jsonObjectAttr(attrs, ATTR.GENERATED));
  put(rec, "custom_metadata", jsonObjectAttr(attrs, ATTR.CUSTOM_METADATA) ?? meta.custom_metadata);
  put(rec, "hostname", (meta.hostname as string | undefined) ?? hostnameOf(attrs, span, defaults));
  rec.started_at = span.startTime;
  put(rec, "ended_at", span.endTime);
  const status = statusOf(span, attrs);
  rec.status = status;
  if (status === Status.ERROR) put(rec, "stderr", strAttr(attrs, ATTR.STDERR) ?? errorMessage(span));
  rec.utc_timestamp = span.endTime ?? span.startTime;
  return rec as WorkflowRecord;
}

function taskRecord(span: SpanData, attrs: Attributes, type: string | undefined, defaults: MappingDefaults): TaskRecord {
  const ours = type !== undefined;
  const raw = ours && defaults.rawJson === true && span.scopeName === TRACER_NAME;
  const checked = defaults.checkedRawJson === true;
  const rec: Record<string, unknown> = {
    type: "task",
    task_id: strAttr(attrs, ATTR.TASK_ID) ?? taskIdOf(span.traceId, span.spanId),
  };
  put(rec, "workflow_id", strAttr(attrs, ATTR.WORKFLOW_ID) ?? defaults.workflowId);
  put(rec, "campaign_id", strAttr(attrs, ATTR.CAMPAIGN_ID) ?? defaults.campaignId);
  rec.activity_id = span.name;
  put(rec, "used", ours ? jsonObjectAttr(attrs, ATTR.USED, raw, checked) : foreignUsed(attrs));
  put(rec, "generated", jsonObjectAttr(attrs, ATTR.GENERATED, raw, checked));
  put(rec, "submitted_at", numAttr(attrs, ATTR.SUBMITTED_AT));
  rec.started_at = numAttr(attrs, ATTR.STARTED_AT) ?? span.startTime;
  put(rec, "ended_at", numAttr(attrs, ATTR.ENDED_AT) ?? span.endTime);
  const status = statusOf(span, attrs);
  rec.status = status;
  put(rec, "stdout", jsonAttrOrText(attrs, ATTR.STDOUT));
  put(rec, "stderr", jsonAttrOrText(attrs, ATTR.STDERR) ?? (status === Status.ERROR ? errorMessage(span) : undefined));
  put(rec, "parent_task_id", parentTaskId(span, attrs));
  put(rec, "group_id", strAttr(attrs, ATTR.GROUP_ID));
  put(rec, "subtype", strAttr(attrs, ATTR.SUBTYPE) ?? (type === SPAN_TYPE.LOOP ? "loop" : ours ? undefined : KIND_NAMES[span.kind]));
  const tags = attrs[ATTR.TAGS];
  if (Array.isArray(tags) && tags.length) rec.tags = [...tags];
  let custom = jsonObjectAttr(attrs, ATTR.CUSTOM_METADATA, raw, checked && ours);
  if (!ours && span.scopeName) custom = { ...(custom as JsonObject | undefined), otel_scope: span.scopeName };
  put(rec, "custom_metadata", custom);
  put(rec, "data", jsonAttr(attrs, ATTR.DATA));
  put(rec, "telemetry_at_start", jsonObjectAttr(attrs, ATTR.TELEMETRY_AT_START, raw, checked));
  put(rec, "telemetry_at_end", jsonObjectAttr(attrs, ATTR.TELEMETRY_AT_END, raw, checked));
  // telemetry_summary is derived where records are read or stored (record-enrichment.ts), not here:
  // the local store's write path never parses the snapshots.
  put(rec, "hostname", hostnameOf(attrs, span, defaults));
  put(rec, "agent_id", strAttr(attrs, ATTR.AGENT_ID));
  put(rec, "source_agent_id", strAttr(attrs, ATTR.SOURCE_AGENT_ID));
  put(rec, "adapter_id", strAttr(attrs, ATTR.ADAPTER_ID));
  put(rec, "address", strAttr(attrs, ATTR.ADDRESS));
  rec.utc_timestamp = (rec.ended_at as number | undefined) ?? (rec.started_at as number);
  return rec as TaskRecord;
}

/** stdout/stderr may be text or a JSON object (Flowcept allows both). */
function jsonAttrOrText(attrs: Attributes, key: string): string | JsonObject | undefined {
  const v = attrs[key];
  if (typeof v !== "string") return undefined;
  if (v.startsWith("{")) {
    try {
      return JSON.parse(v) as JsonObject;
    } catch {
      return v;
    }
  }
  return v;
}

/**
 * Maps a span to its Flowcept record: a workflow span to a workflow record,
 * every other span (ours or another instrumentation's) to a task record.
 * Returns undefined for spans that stand for records emitted on their own
 * (batch spans of the lightweight paths).
 */
export function spanToRecord(span: SpanData, defaults: MappingDefaults = {}): FlowceptRecord | undefined {
  const attrs = span.attributes;
  const type = strAttr(attrs, ATTR.TYPE);
  if (type === SPAN_TYPE.BATCH) return undefined;
  if (type === SPAN_TYPE.WORKFLOW) return workflowRecord(span, attrs, defaults);
  return taskRecord(span, attrs, type, defaults);
}
