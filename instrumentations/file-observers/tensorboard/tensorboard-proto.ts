/**
 * The parts of TensorFlow's and TensorBoard's public protobuf schemas that
 * event files use (`tensorflow/core/util/event.proto`,
 * `tensorflow/core/framework/{summary,tensor,tensor_shape,types}.proto`,
 * `tensorboard/plugins/hparams/{plugin_data,api}.proto`,
 * `google/protobuf/struct.proto`), loaded at run time by protobufjs.
 *
 * Messages this package never looks into (graphs, run metadata, images,
 * audio, histograms) are declared as `bytes`: same wire type, so they are
 * skipped without being decoded. The hot `oneof`s (`Event.what`,
 * `Summary.Value.value`) are declared as plain fields: the wire format is the
 * same, and protobufjs's oneof bookkeeping (a `delete` per decoded field) cost
 * a third of the decode time. Which member is present is read from the
 * decoded message's own properties.
 */
import type protobuf from "protobufjs";
import { optionalPeer } from "../../../lib/util/optional-peer.js";

/** protobufjs, an optional peer of the TensorBoard adapter. */
export const protobufjs = optionalPeer<typeof protobuf>("protobufjs", "The TensorBoard adapter");

const PROTO = `
syntax = "proto3";

package tensorflow;

message Event {
  double wall_time = 1;
  int64 step = 2;
  // oneof what: declared as plain fields (same wire format); see the note above.
  string file_version = 3;
  bytes graph_def = 4;
  Summary summary = 5;
  bytes log_message = 6;
  SessionLog session_log = 7;
  bytes tagged_run_metadata = 8;
  bytes meta_graph_def = 9;
  SourceMetadata source_metadata = 10;
}

message SourceMetadata {
  string writer = 1;
}

message SessionLog {
  enum SessionStatus {
    STATUS_UNSPECIFIED = 0;
    START = 1;
    STOP = 2;
    CHECKPOINT = 3;
  }
  SessionStatus status = 1;
  string checkpoint_path = 2;
  string msg = 3;
}

message SummaryMetadata {
  message PluginData {
    string plugin_name = 1;
    bytes content = 2;
  }
  PluginData plugin_data = 1;
  string display_name = 2;
  string summary_description = 3;
  int32 data_class = 4;
}

message Summary {
  message Value {
    string node_name = 7;
    string tag = 1;
    SummaryMetadata metadata = 9;
    // oneof value. "optional" keeps a 0.0 value present (proto3 implicit presence would drop it).
    optional float simple_value = 2;
    bytes obsolete_old_style_histogram = 3;
    bytes image = 4;
    bytes histo = 5;
    bytes audio = 6;
    TensorProto tensor = 8;
  }
  repeated Value value = 1;
}

message TensorShapeProto {
  message Dim {
    int64 size = 1;
    string name = 2;
  }
  repeated Dim dim = 2;
  bool unknown_rank = 3;
}

message TensorProto {
  int32 dtype = 1;
  TensorShapeProto tensor_shape = 2;
  int32 version_number = 3;
  bytes tensor_content = 4;
  repeated int32 half_val = 13 [packed = true];
  repeated float float_val = 5 [packed = true];
  repeated double double_val = 6 [packed = true];
  repeated int32 int_val = 7 [packed = true];
  repeated bytes string_val = 8;
  repeated float scomplex_val = 9 [packed = true];
  repeated int64 int64_val = 10 [packed = true];
  repeated bool bool_val = 11 [packed = true];
  repeated double dcomplex_val = 12 [packed = true];
  repeated uint32 uint32_val = 16 [packed = true];
  repeated uint64 uint64_val = 17 [packed = true];
}
`;

const HPARAMS_PROTO = `
syntax = "proto3";

package tensorboard.hparams;

message HParamsPluginData {
  int32 version = 1;
  oneof data {
    Experiment experiment = 2;
    SessionStartInfo session_start_info = 3;
    SessionEndInfo session_end_info = 4;
  }
}

message Experiment {
  string name = 6;
  string description = 1;
  string user = 2;
  double time_created_secs = 3;
  repeated HParamInfo hparam_infos = 4;
  repeated MetricInfo metric_infos = 5;
}

message HParamInfo {
  string name = 1;
  string display_name = 2;
  string description = 3;
  int32 type = 4;
}

message MetricName {
  string group = 1;
  string tag = 2;
}

message MetricInfo {
  MetricName name = 1;
  string display_name = 2;
  string description = 3;
  int32 dataset_type = 5;
}

message SessionStartInfo {
  map<string, google.protobuf.Value> hparams = 1;
  string model_uri = 2;
  string monitor_url = 3;
  string group_name = 4;
  double start_time_secs = 5;
}

message SessionEndInfo {
  int32 status = 1;
  double end_time_secs = 2;
}
`;

const STRUCT_PROTO = `
syntax = "proto3";

package google.protobuf;

message Struct {
  map<string, Value> fields = 1;
}

message Value {
  oneof kind {
    int32 null_value = 1;
    double number_value = 2;
    string string_value = 3;
    bool bool_value = 4;
    Struct struct_value = 5;
    ListValue list_value = 6;
  }
}

message ListValue {
  repeated Value values = 1;
}
`;

/** The message types the TensorBoard reader decodes. */
export interface TensorBoardTypes {
  Event: protobuf.Type;
  HParamsPluginData: protobuf.Type;
}

let types: TensorBoardTypes | undefined;

/** Parses the schema once and returns the message types. */
export function tensorBoardTypes(): TensorBoardTypes {
  if (types) return types;
  const root = new (protobufjs().Root)();
  const opts = { keepCase: true };
  protobufjs().parse(STRUCT_PROTO, root, opts);
  protobufjs().parse(PROTO, root, opts);
  protobufjs().parse(HPARAMS_PROTO, root, opts);
  root.resolveAll();
  types = {
    Event: root.lookupType("tensorflow.Event"),
    HParamsPluginData: root.lookupType("tensorboard.hparams.HParamsPluginData"),
  };
  return types;
}
