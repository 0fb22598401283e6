/**
 * Decodes one `tensorflow.Event` payload into what the TensorBoard adapter
 * records: scalar values by tag and category, and hparams plugin data.
 */
import type protobuf from "protobufjs";
import { decodeHParams, type HParamsData } from "./hparams-plugin.js";
import { tensorScalar, type TensorMessage } from "./tensor-value.js";
import { tensorBoardTypes } from "./tensorboard-proto.js";

/**
 * Which category a value belongs to, as Flowcept's `log_tags` names them:
 * `scalars` for legacy `simple_value` summaries (torch, Lightning, TF1),
 * `tensors` for tensor summaries (TF2's `tf.summary.scalar`).
 */
export type ValueCategory = "scalars" | "tensors";

/** One scalar value of a summary. */
export interface EventValue {
  tag: string;
  category: ValueCategory;
  value: number | boolean | string;
}

/** What an event carries (the `what` oneof of `tensorflow.Event`). */
export type EventKind =
  | "file_version"
  | "graph_def"
  | "summary"
  | "log_message"
  | "session_log"
  | "tagged_run_metadata"
  | "meta_graph_def"
  | "none";

/** A decoded event. */
export interface DecodedEvent {
  /** Seconds since the epoch; 0 when absent. */
  wall_time: number;
  /** Absent in the file (proto3 default) reads as 0. */
  step: number;
  kind: EventKind;
  values: EventValue[];
  hparams: HParamsData[];
  /** Summary values not recorded (images, audio, histograms, tensors of more than one element). */
  skipped: number;
}

type Long = { toNumber(): number };

interface SummaryValueMessage {
  tag: string;
  simple_value: number;
  tensor: TensorMessage | null;
  metadata: { plugin_data: { plugin_name: string; content: Uint8Array } | null } | null;
}

interface EventMessage {
  wall_time: number;
  step: number | Long;
  summary: { value: SummaryValueMessage[] } | null;
}

/** The members of `Event.what` other than `summary`, in field order. */
const OTHER_KINDS: readonly EventKind[] = ["file_version", "graph_def", "log_message", "session_log", "tagged_run_metadata", "meta_graph_def"];

const hasOwn = Object.prototype.hasOwnProperty;

/** Which member of `Event.what` the decoded message holds (protobufjs sets only fields present in the bytes). */
function kindOf(msg: EventMessage): EventKind {
  if (msg.summary) return "summary";
  for (const k of OTHER_KINDS) if (hasOwn.call(msg, k)) return k;
  return "none";
}

/**
 * Decodes the event payload at `reader.buf[start, start+length)`. Throws
 * (protobufjs's error) when the bytes are not a valid `Event`.
 */
export function decodeEvent(reader: protobuf.Reader, start: number, length: number): DecodedEvent {
  const { Event } = tensorBoardTypes();
  reader.pos = start;
  const msg = Event.decode(reader, length) as unknown as EventMessage;
  const step = msg.step;
  const out: DecodedEvent = {
    wall_time: msg.wall_time,
    step: typeof step === "number" ? step : step.toNumber(),
    kind: kindOf(msg),
    values: [],
    hparams: [],
    skipped: 0,
  };
  if (!msg.summary) return out;
  for (const v of msg.summary.value) {
    const plugin = v.metadata?.plugin_data;
    if (plugin?.plugin_name === "hparams") {
      // TF2's hp.hparams() adds an empty tensor; torch and Lightning write no value.
      out.hparams.push(decodeHParams(plugin.content));
      continue;
    }
    if (hasOwn.call(v, "simple_value")) {
      out.values.push({ tag: v.tag, category: "scalars", value: v.simple_value });
    } else if (v.tensor) {
      const value = tensorScalar(v.tensor);
      if (value === undefined) out.skipped++;
      else out.values.push({ tag: v.tag, category: "tensors", value });
    } else {
      out.skipped++;
    }
  }
  return out;
}
