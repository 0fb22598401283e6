/**
 * JSON text carried as is. The span mapping wraps JSON attributes (`used`,
 * `generated`, telemetry…) in `RawJson` instead of parsing them, so the local
 * store can write them without a parse/serialise round trip. `JSON.stringify`
 * sees the parsed value (through `toJSON`); exporters that need objects get
 * records through `materializeRecord`.
 */
import type { JsonObject, JsonValue, TaskRecord, WorkflowRecord, BaseRecord } from "./records.js";

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

/** A record whose JSON-object fields may still be {@link RawJson} text. */
type Raw<T> = { [K in keyof T]: T[K] extends JsonObject | undefined ? T[K] | RawJson : T[K] };

/** A task record as the span mapping makes it. */
export type RawTaskRecord = Raw<TaskRecord>;
/** A workflow record as the span mapping makes it. */
export type RawWorkflowRecord = Raw<WorkflowRecord>;
/** A record as the span mapping makes it: plain once `materializeRecord` has parsed its {@link RawJson} fields. */
export type RawRecord = RawTaskRecord | RawWorkflowRecord | BaseRecord;
