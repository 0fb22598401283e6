/**
 * The `agent` record (Flowcept's AgentObject): written once per agent id in
 * this process, when the agent's first tool call is recorded.
 */
import { diag } from "@opentelemetry/api";
import { nowSeconds } from "../../lib/records/clock.js";
import { LOGIN_NAME } from "../../lib/process/host-info.js";
import type { BaseRecord, JsonObject } from "../../lib/records/records.js";
import { toJsonObject } from "../../lib/records/json-safe.js";
import { getSettingsSafe } from "../../lib/settings/settings-loader.js";
import { activeSink } from "../../lib/pipeline/record-sink.js";
import { errorMessage } from "../../lib/util/error-message.js";

/** What is known about an agent when its record is written. */
export interface AgentInfo {
  agentId: string;
  name?: string;
  workflowId?: string;
  campaignId?: string;
  customMetadata?: JsonObject;
}

const recorded = new Set<string>();

/** Writes the agent record unless this process already wrote one for `info.agentId`. Never throws. */
export function recordAgentOnce(info: AgentInfo): void {
  if (recorded.has(info.agentId)) return;
  const sink = activeSink();
  if (sink === undefined) return;
  try {
    const settings = getSettingsSafe();
    const now = nowSeconds();
    const rec: BaseRecord = { type: "agent", agent_id: info.agentId, registered_at: now, utc_timestamp: now };
    if (info.name !== undefined) rec.name = info.name;
    const user = settings.experiment.user ?? LOGIN_NAME;
    if (user !== undefined) rec.user = user;
    if (info.workflowId !== undefined) rec.workflow_id = info.workflowId;
    if (info.campaignId !== undefined) rec.campaign_id = info.campaignId;
    if (Object.keys(settings.extra_metadata).length) rec.extra_metadata = toJsonObject(settings.extra_metadata);
    if (info.customMetadata !== undefined) rec.custom_metadata = info.customMetadata;
    recorded.add(info.agentId);
    sink.emit(rec);
  } catch (err) {
    diag.error(`flowcept: agent ${info.agentId} not recorded: ${errorMessage(err)}`);
  }
}

/** @internal Lets tests and long-lived hosts write the agent records again. */
export function forgetRecordedAgents(): void {
  recorded.clear();
}
