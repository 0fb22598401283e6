export { TensorBoardSource } from "./TensorBoardSource.js";
export {
  scanTfRecords,
  maskedCrc32c,
  TFRECORD_HEADER_BYTES,
  TFRECORD_FOOTER_BYTES,
  TFRECORD_MAX_PAYLOAD_BYTES,
} from "./tfrecord-reader.js";
export type { TfRecordScan, TfRecordDamage } from "./tfrecord-reader.js";
export { decodeEvent } from "./event-decoder.js";
export type { DecodedEvent, EventValue, EventKind, ValueCategory } from "./event-decoder.js";
export { decodeHParams, HPARAMS_SESSION_STATUS } from "./hparams-plugin.js";
export type { HParamsData } from "./hparams-plugin.js";
export { tensorScalar, tensorElementCount } from "./tensor-value.js";
export type { TensorMessage } from "./tensor-value.js";
export { findEventFiles, isEventFileName } from "./event-file-discovery.js";
export type { EventFileLayout } from "./event-file-discovery.js";
export { tensorBoardTypes } from "./tensorboard-proto.js";
export type { TensorBoardTypes } from "./tensorboard-proto.js";
