import { materializeRecord } from "../records/materialize-record.js";
import type { RawRecord } from "../records/RawJson.js";
import type { FlowceptRecord } from "../records/records.js";

/** Runs on every record before it leaves the process: returns the record to keep (changed or not), or undefined to drop it. */
export type RecordMask = (record: FlowceptRecord) => FlowceptRecord | undefined;

/**
 * The record after `mask`, which sees it as plain JSON. A mask that throws
 * keeps the record as it was and `onError` is told. The same step for the
 * in-process pipeline and the ingest service.
 */
export function applyMask(mask: RecordMask, record: RawRecord, onError: (err: unknown) => void): RawRecord | undefined {
  try {
    return mask(materializeRecord(record));
  } catch (err) {
    onError(err);
    return record;
  }
}
