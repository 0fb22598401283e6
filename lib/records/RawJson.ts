/**
 * JSON text carried as is. The span mapping wraps JSON attributes (`used`,
 * `generated`, telemetry…) in `RawJson` instead of parsing them, so the local
 * store can write them without a parse/serialise round trip. `JSON.stringify`
 * sees the parsed value (through `toJSON`); exporters that need objects call
 * {@link materializeRecord}.
 */
import type { FlowceptRecord, JsonValue } from "./records.js";
import { enrichRecord } from "./enrich-record.js";

export class RawJson {
  /**
   * @param text JSON text on one line.
   * @param parsed The value of `text`, when the caller already parsed it (saves parsing it again).
   */
  constructor(
    readonly text: string,
    private readonly parsed?: JsonValue,
  ) {}

  /** The parsed value (what `JSON.stringify` writes). */
  toJSON(): JsonValue {
    if (this.parsed !== undefined) return this.parsed;
    try {
      return JSON.parse(this.text) as JsonValue;
    } catch {
      return { value: this.text, error: "unparsable JSON attribute" };
    }
  }
}

/** Whether a record holds any {@link RawJson} value. */
export function hasRawJson(rec: FlowceptRecord): boolean {
  for (const k in rec) if (rec[k] instanceof RawJson) return true;
  return false;
}

/**
 * The record with every {@link RawJson} value parsed — a plain JSON object —
 * and its derived fields added (`telemetry_summary`). Returns the same object
 * when there is nothing to parse.
 */
export function materializeRecord<T extends FlowceptRecord>(rec: T): T {
  if (!hasRawJson(rec)) return enrichRecord(rec);
  const out: Record<string, unknown> = {};
  for (const k in rec) {
    const v = rec[k];
    out[k] = v instanceof RawJson ? v.toJSON() : v;
  }
  return enrichRecord(out as T);
}
