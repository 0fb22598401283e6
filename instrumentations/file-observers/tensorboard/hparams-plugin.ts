/**
 * The hparams plugin's `HParamsPluginData`: the experiment (hparam and metric
 * names), a session's start (the hparam values, which become `used`) and its
 * end (a status).
 */
import type { JsonObject, JsonValue } from "../../../lib/records/records.js";
import { jsonNumber } from "../record-values.js";
import { tensorBoardTypes } from "./tensorboard-proto.js";

/** `tensorboard.hparams.Status` names, by code. */
export const HPARAMS_SESSION_STATUS: Record<number, string> = {
  0: "STATUS_UNKNOWN",
  1: "STATUS_SUCCESS",
  2: "STATUS_FAILURE",
  3: "STATUS_RUNNING",
};

/** Decoded plugin data: exactly one of the three parts is set. */
export interface HParamsData {
  /** Hparam and metric names declared by the experiment. */
  experiment?: { hparams: string[]; metrics: string[] };
  /** The session's hparam values. */
  session_start?: { hparams: JsonObject; group_name?: string; start_time_secs?: number };
  /** The session's end status code (see {@link HPARAMS_SESSION_STATUS}). */
  session_end?: { status: number; end_time_secs?: number };
}

interface ValueMessage {
  kind?: string;
  number_value: number;
  string_value: string;
  bool_value: boolean;
  struct_value: { fields: Record<string, ValueMessage> } | null;
  list_value: { values: ValueMessage[] } | null;
}

interface PluginDataMessage {
  data?: "experiment" | "session_start_info" | "session_end_info";
  experiment: { hparam_infos: Array<{ name: string }>; metric_infos: Array<{ name: { group: string; tag: string } | null }> } | null;
  session_start_info: { hparams: Record<string, ValueMessage>; group_name: string; start_time_secs: number } | null;
  session_end_info: { status: number; end_time_secs: number } | null;
}

/** A `google.protobuf.Value` as plain JSON. */
function toJson(v: ValueMessage): JsonValue {
  switch (v.kind) {
    case "number_value":
      return jsonNumber(v.number_value);
    case "string_value":
      return v.string_value;
    case "bool_value":
      return v.bool_value;
    case "struct_value": {
      const out: JsonObject = {};
      for (const [k, f] of Object.entries(v.struct_value?.fields ?? {})) out[k] = toJson(f);
      return out;
    }
    case "list_value":
      return (v.list_value?.values ?? []).map(toJson);
    default:
      return null;
  }
}

/** Decodes `plugin_data.content` of an hparams summary. Throws when the bytes are not valid. */
export function decodeHParams(content: Uint8Array): HParamsData {
  const { HParamsPluginData } = tensorBoardTypes();
  const msg = HParamsPluginData.decode(content) as unknown as PluginDataMessage;
  if (msg.data === "experiment" && msg.experiment) {
    return {
      experiment: {
        hparams: msg.experiment.hparam_infos.map((h) => h.name),
        metrics: msg.experiment.metric_infos.map((m) => (m.name?.group ? `${m.name.group}/${m.name.tag}` : (m.name?.tag ?? ""))),
      },
    };
  }
  if (msg.data === "session_start_info" && msg.session_start_info) {
    const s = msg.session_start_info;
    const hparams: JsonObject = {};
    // Sorted, so that the record does not depend on the writer's map order.
    for (const k of Object.keys(s.hparams).sort()) hparams[k] = toJson(s.hparams[k]!);
    return {
      session_start: {
        hparams,
        ...(s.group_name ? { group_name: s.group_name } : {}),
        ...(s.start_time_secs ? { start_time_secs: s.start_time_secs } : {}),
      },
    };
  }
  if (msg.data === "session_end_info" && msg.session_end_info) {
    const e = msg.session_end_info;
    return { session_end: { status: e.status, ...(e.end_time_secs ? { end_time_secs: e.end_time_secs } : {}) } };
  }
  return {};
}
