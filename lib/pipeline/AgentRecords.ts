import { nowSeconds } from "../records/clock.js";
import { AGENT_SUBTYPE } from "../records/agent-vocabulary.js";
import { RawJson, type RawRecord } from "../records/RawJson.js";
import type { BaseRecord } from "../records/records.js";
import { TRACER_NAME } from "../process/version.js";
import { agentIdentity } from "./agent-span.js";
import type { SpanData } from "./span-data.js";

/** What is known of one agent. */
interface Known {
  name?: string;
  version?: string;
  description?: string;
  model?: string;
}

const MAX_AGENTS = 10_000;

function str(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

function field(o: unknown, key: string): unknown {
  if (o instanceof RawJson) o = o.toJSON();
  return o !== null && typeof o === "object" ? (o as Record<string, unknown>)[key] : undefined;
}

/**
 * The `agent` records (Flowcept's AgentObject: id, name, version, model)
 * of the agents that the spans of other instrumentations name: one when an
 * agent is first seen, and another when a span tells more about it (a name,
 * a version, the model it calls) — the stores merge them by `agent_id`.
 * One per pipeline and per ingest service; the agents of this package's own
 * instrumentations (MCP servers) are recorded where they are known.
 */
export class AgentRecords {
  private readonly known = new Map<string, Known>();

  /** The agent record a span's task record calls for, if any. Never throws on odd values. */
  fromSpan(span: SpanData, rec: RawRecord): BaseRecord | undefined {
    const agentId = str(rec.agent_id);
    if (agentId === undefined || rec.type !== "task" || span.scopeName === TRACER_NAME) return undefined;
    const seen = this.known.get(agentId);
    const next: Known = { ...seen };
    const own = agentIdentity(span.attributes);
    if (own?.id === agentId) {
      next.name = own.name ?? next.name;
      next.version = own.version ?? next.version;
      next.description = own.description ?? next.description;
    }
    if (rec.subtype === AGENT_SUBTYPE.AI_MODEL_INVOCATION || rec.subtype === AGENT_SUBTYPE.AGENT_INVOCATION) {
      next.model = str(field(rec.used, "model")) ?? str(field(field(rec.custom_metadata, "llm_usage"), "model")) ?? next.model;
    }
    if (seen !== undefined && seen.name === next.name && seen.version === next.version && seen.description === next.description && seen.model === next.model) return undefined;
    if (this.known.size >= MAX_AGENTS && seen === undefined) this.known.clear();
    this.known.set(agentId, next);
    const now = nowSeconds();
    const out: BaseRecord = { type: "agent", agent_id: agentId };
    if (next.name !== undefined) out.name = next.name;
    if (next.version !== undefined) out.version = next.version;
    if (next.description !== undefined) out.description = next.description;
    if (next.model !== undefined) out.model = next.model;
    if (typeof rec.workflow_id === "string") out.workflow_id = rec.workflow_id;
    if (typeof rec.campaign_id === "string") out.campaign_id = rec.campaign_id;
    out.registered_at = now;
    out.utc_timestamp = now;
    return out;
  }
}
