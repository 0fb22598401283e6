import type { Attributes } from "@opentelemetry/api";
import { setImmediate } from "node:timers/promises";
import { spanToRecord, type MappingDefaults } from "../../lib/pipeline/span-to-record.js";
import { otlpAttributes, otlpSpanToData } from "./otlp-span-data.js";
import type { OtlpTraceRequest } from "./otlp-types.js";
import { applyMask, type RecordMask } from "../../lib/pipeline/record-mask.js";
import type { RawRecord } from "../../lib/records/RawJson.js";
import { errorMessage } from "../../lib/util/error-message.js";
import type { AgentRecords } from "../../lib/pipeline/AgentRecords.js";

const CHECKED_RAW: MappingDefaults = { checkedRawJson: true };

/** The records of one OTLP request, and what could not be mapped. */
export interface OtlpRequestRecords {
  records: RawRecord[];
  /** Spans received. */
  spans: number;
  /** Spans that could not be mapped (reported to the sender as a partial success). */
  rejected: number;
  /** Why the first rejected span was rejected (and how many more). */
  errorMessage?: string;
}

/** Options of {@link otlpRequestToRecords}. */
export interface OtlpMappingOptions {
  /** Default: `{ checkedRawJson: true }` (JSON attributes kept as checked text for the JSONL store). */
  defaults?: MappingDefaults;
  /** Runs on every record (redaction); undefined drops the record. Never throws out: a throwing mask keeps the record as it is. */
  mask?: RecordMask;
  /** Called with the error of a mask that threw. */
  onMaskError?: (err: unknown) => void;
  /** Agents seen so far: the `agent` records of agents new to it are added (see `AgentRecords`). */
  agents?: AgentRecords;
}

/**
 * Maps every span of an OTLP request through the one span mapping. A span
 * that cannot be mapped is counted, never thrown; batch spans of the
 * lightweight paths map to no record (they are not rejected either).
 */
export function otlpRequestToRecords(req: OtlpTraceRequest, options: OtlpMappingOptions = {}): OtlpRequestRecords {
  const it = mapSpans(req, options, Infinity);
  let r = it.next();
  while (!r.done) r = it.next();
  return r.value;
}

/**
 * {@link otlpRequestToRecords} in slices of `sliceSpans` spans, giving the
 * event loop a turn between slices (other requests and `/healthz` are
 * answered while a large request is mapped).
 */
export async function otlpRequestToRecordsInSlices(req: OtlpTraceRequest, options: OtlpMappingOptions = {}, sliceSpans = 1000): Promise<OtlpRequestRecords> {
  const it = mapSpans(req, options, sliceSpans);
  let r = it.next();
  while (!r.done) {
    await setImmediate();
    r = it.next();
  }
  return r.value;
}

function* mapSpans(req: OtlpTraceRequest, options: OtlpMappingOptions, sliceSpans: number): Generator<void, OtlpRequestRecords> {
  const records: RawRecord[] = [];
  let spans = 0;
  let rejected = 0;
  let firstError: string | undefined;
  const defaults = options.defaults ?? CHECKED_RAW;
  const mask = options.mask;
  const onMaskError = options.onMaskError ?? (() => undefined);
  for (const rs of req.resourceSpans ?? []) {
    let resource: Attributes | undefined;
    let resourceError: string | undefined;
    try {
      resource = otlpAttributes(rs.resource?.attributes);
    } catch (err) {
      resourceError = `resource attributes: ${errorMessage(err)}`;
    }
    for (const ss of rs.scopeSpans ?? []) {
      const scopeName = ss.scope?.name || undefined;
      for (const span of ss.spans ?? []) {
        spans++;
        if (spans % sliceSpans === 0) yield;
        if (resourceError !== undefined) {
          rejected++;
          firstError ??= resourceError;
          continue;
        }
        let rec: RawRecord | undefined;
        let agent: RawRecord | undefined;
        try {
          const data = otlpSpanToData(span, scopeName, resource);
          rec = spanToRecord(data, defaults);
          if (rec?.agent_id !== undefined && options.agents !== undefined) agent = options.agents.fromSpan(data, rec);
        } catch (err) {
          rejected++;
          firstError ??= errorMessage(err);
          continue;
        }
        for (const r of agent === undefined ? [rec] : [agent, rec]) {
          const masked = r !== undefined && mask ? applyMask(mask, r, onMaskError) : r;
          if (masked !== undefined) records.push(masked);
        }
      }
    }
  }
  const out: OtlpRequestRecords = { records, spans, rejected };
  if (rejected > 0) out.errorMessage = rejected > 1 ? `${firstError} (and ${rejected - 1} more spans rejected)` : firstError;
  return out;
}
