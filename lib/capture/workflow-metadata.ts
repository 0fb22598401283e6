/**
 * What a workflow record says about its run beyond ids and times: name,
 * user, settings, machine, environment, interceptors (Flowcept's
 * `WorkflowObject` fields), as the JSON the workflow span carries.
 */
import { cpus, totalmem } from "node:os";
import { HOSTNAME, LOGIN_NAME, PLATFORM, privateIp } from "../process/host-info.js";
import { VERSION } from "../process/version.js";
import { randomSpanId } from "../records/ids.js";
import { toJsonObject } from "../records/json-safe.js";
import type { JsonObject } from "../records/records.js";
import { bufferFilePath } from "../settings/buffer-path.js";
import { redactSettings } from "../settings/redact-settings.js";
import { settingsFilePath } from "../settings/settings-loader.js";
import type { FlowceptSettings } from "../settings/settings.js";

/** The controller options the metadata is made of. */
export interface WorkflowMetadataOptions {
  interceptors: readonly string[];
  bundleExecId?: string | undefined;
  workflowName?: string | undefined;
  workflowSubtype?: string | undefined;
  parentWorkflowId?: string | undefined;
  customMetadata?: Record<string, unknown> | undefined;
}

/** The workflow record's descriptive fields (undefined values are left out when written). */
export function workflowMetadata(o: WorkflowMetadataOptions, settings: FlowceptSettings, enclosingWorkflowId: string | undefined): Record<string, unknown> {
  const bundle = o.bundleExecId ?? randomSpanId();
  return {
    name: o.workflowName,
    subtype: o.workflowSubtype,
    parent_workflow_id: o.parentWorkflowId ?? enclosingWorkflowId,
    flowcept_version: VERSION,
    user: settings.experiment.user ?? LOGIN_NAME,
    conf: { settings_path: settingsFilePath() ?? "(defaults)", buffer_file: bufferFilePath(settings) },
    flowcept_settings: redactSettings(settings),
    machine_info: minimalMachineInfo(),
    environment_id: settings.sys_metadata.environment_id ?? undefined,
    sys_name: PLATFORM.system,
    node_name: PLATFORM.node,
    hostname: HOSTNAME,
    private_ip: (settings.sys_metadata.private_ip as string | undefined) ?? privateIp(),
    public_ip: settings.sys_metadata.public_ip as string | undefined,
    extra_metadata: Object.keys(settings.extra_metadata).length ? settings.extra_metadata : undefined,
    interceptor_ids: o.interceptors.map((i) => `${bundle}_${i}`),
    adapter_id: o.interceptors.find((i) => i !== "instrumentation"),
    custom_metadata: o.customMetadata,
  };
}

/** The metadata as the JSON text of the workflow span's `flowcept.workflow` attribute. */
export function workflowMetadataJson(meta: Record<string, unknown>): string {
  return JSON.stringify(toJsonObject(meta, { maxBytes: 1024 * 1024, maxStringLength: 16384, maxDepth: 16 }));
}

/** Until the telemetry module fills it in: what Node tells without probing. */
function minimalMachineInfo(): JsonObject {
  return {
    platform: { ...PLATFORM },
    cpu: { count: cpus().length, model: cpus()[0]?.model ?? "unknown" },
    memory: { total: totalmem() },
    hostname: HOSTNAME,
    login_name: LOGIN_NAME ?? null,
    process: { pid: process.pid, executable: process.execPath, node_version: process.version },
  } as JsonObject;
}
