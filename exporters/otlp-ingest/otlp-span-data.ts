/**
 * The OTLP adapter of the span mapping: an OTLP span (protobuf or JSON, see
 * `otlp-types.ts`) as {@link SpanData}, the input of `spanToRecord` — the
 * counterpart of `lib/readable-span.ts` for spans received over the wire.
 */
import type { Attributes, AttributeValue } from "@opentelemetry/api";
import type { SpanData } from "../../lib/pipeline/span-data.js";
import { epochSeconds } from "../../lib/records/clock.js";
import { setOwn } from "../../lib/util/own-property.js";
import type { OtlpAnyValue, OtlpId, OtlpInt64, OtlpKeyValue, OtlpSpan } from "./otlp-types.js";

/** A span that cannot be mapped; the message says why. */
export class OtlpSpanError extends Error {
  override readonly name = "OtlpSpanError";
}

const HEX_ID = /^[0-9a-fA-F]+$/;
// OTLP/JSON writes enums as integers; the protobuf JSON mapping also allows their names.
const KIND_NAMES = ["SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL", "SPAN_KIND_SERVER", "SPAN_KIND_CLIENT", "SPAN_KIND_PRODUCER", "SPAN_KIND_CONSUMER"];
const STATUS_NAMES = ["STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"];
const TWO_32 = 4294967296;
const NANOS_PER_SECOND = 1_000_000_000n;
const ZERO_TRACE = "0".repeat(32);
const ZERO_SPAN = "0".repeat(16);

function enumValue(v: number | string | null | undefined, names: string[]): number {
  if (typeof v === "number") return v;
  return typeof v === "string" ? Math.max(names.indexOf(v), 0) : 0;
}

function hexId(id: OtlpId | null | undefined, bytes: number, what: string, optional: boolean): string | undefined {
  if (id === undefined || id === null || id.length === 0) {
    if (optional) return undefined;
    throw new OtlpSpanError(`span has no ${what}`);
  }
  let hex: string;
  if (typeof id === "string") {
    if (id.length !== bytes * 2 || !HEX_ID.test(id)) throw new OtlpSpanError(`${what} must be ${bytes * 2} hex digits, got "${id.slice(0, 40)}"`);
    hex = id.toLowerCase();
  } else {
    if (id.length !== bytes) throw new OtlpSpanError(`${what} must be ${bytes} bytes, got ${id.length}`);
    hex = (Buffer.isBuffer(id) ? id : Buffer.from(id.buffer, id.byteOffset, id.byteLength)).toString("hex");
  }
  if (hex === (bytes === 16 ? ZERO_TRACE : ZERO_SPAN)) {
    if (optional) return undefined;
    throw new OtlpSpanError(`${what} is all zeros`);
  }
  return hex;
}

/** A 64-bit integer as a number when it is exactly representable, else as decimal text. */
function int64(v: OtlpInt64): number | string {
  if (typeof v === "number") return v;
  if (typeof v === "string") {
    const n = Number(v);
    if (!/^-?\d+$/.test(v)) throw new OtlpSpanError(`not an integer: "${v.slice(0, 40)}"`);
    return Number.isSafeInteger(n) ? n : v;
  }
  const n = v.unsigned ? (v.high >>> 0) * TWO_32 + (v.low >>> 0) : v.high * TWO_32 + (v.low >>> 0);
  if (Number.isSafeInteger(n)) return n;
  const big = v.unsigned ? (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0) : (BigInt(v.high) << 32n) + BigInt(v.low >>> 0);
  return big.toString();
}

/** Nanoseconds since the epoch as float seconds; undefined for 0 (unset). */
function nanosToSeconds(v: OtlpInt64 | null | undefined, what: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  // Split into whole seconds and nanoseconds before converting (the whole nanosecond count
  // does not fit a double exactly), with the rounding the in-process path uses.
  let s: number;
  if (typeof v === "number") {
    const ns = Math.trunc(v);
    const rest = ns % 1e9;
    s = epochSeconds((ns - rest) / 1e9, rest);
  } else if (typeof v === "string") {
    if (!/^\d+$/.test(v)) throw new OtlpSpanError(`${what} must be unsigned nanoseconds, got "${v.slice(0, 40)}"`);
    s = v.length > 9 ? epochSeconds(Number(v.slice(0, -9)), Number(v.slice(-9))) : epochSeconds(0, Number(v));
  } else {
    const ns = (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0);
    s = epochSeconds(Number(ns / NANOS_PER_SECOND), Number(ns % NANOS_PER_SECOND));
  }
  if (!Number.isFinite(s) || s < 0) throw new OtlpSpanError(`${what} is not a valid time`);
  return s === 0 ? undefined : s;
}

type Plain = string | number | boolean | null | Plain[] | { [k: string]: Plain };

/** An `AnyValue` as plain JSON (nested arrays and key-value lists kept as such). */
function plainValue(v: OtlpAnyValue | null | undefined): Plain {
  if (v === undefined || v === null) return null;
  if (v.stringValue !== undefined && v.stringValue !== null) return v.stringValue;
  if (v.boolValue !== undefined && v.boolValue !== null) return v.boolValue;
  if (v.doubleValue !== undefined && v.doubleValue !== null) {
    const d = typeof v.doubleValue === "number" ? v.doubleValue : Number(v.doubleValue);
    // JSON has no NaN or Infinity: keep their names.
    return Number.isFinite(d) ? d : String(v.doubleValue);
  }
  if (v.arrayValue !== undefined && v.arrayValue !== null) return (v.arrayValue.values ?? []).map(plainValue);
  if (v.kvlistValue !== undefined && v.kvlistValue !== null) return kvObject(v.kvlistValue.values);
  if (v.bytesValue !== undefined && v.bytesValue !== null) {
    const b = v.bytesValue;
    return typeof b === "string" ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("base64");
  }
  // Last: a decoded protobuf message inherits a zero default for intValue, so only its own property counts.
  if (Object.hasOwn(v, "intValue") && v.intValue !== undefined && v.intValue !== null) return int64(v.intValue);
  return null;
}

function kvObject(kvs: OtlpKeyValue[] | null | undefined): { [k: string]: Plain } {
  const out: { [k: string]: Plain } = {};
  for (const kv of kvs ?? []) if (typeof kv.key === "string") setOwn(out, kv.key, plainValue(kv.value));
  return out;
}

/**
 * An `AnyValue` as an OTel attribute value: scalars and flat arrays as they
 * are; key-value lists and nested arrays (which attributes cannot hold) as
 * JSON text.
 */
function attributeValue(v: OtlpAnyValue | null | undefined): AttributeValue | undefined {
  // Strings first and alone: nearly every attribute is one.
  const str = v?.stringValue;
  if (typeof str === "string") return str;
  const p = plainValue(v);
  if (p === null) return undefined;
  if (typeof p !== "object") return p;
  if (Array.isArray(p) && p.every((e) => e === null || typeof e !== "object")) return p as AttributeValue;
  return JSON.stringify(p);
}

/** OTLP key-value attributes as OTel `Attributes` (entries without a key or value are left out). */
export function otlpAttributes(kvs: OtlpKeyValue[] | null | undefined): Attributes {
  const out: Attributes = {};
  if (!kvs) return out;
  for (let i = 0; i < kvs.length; i++) {
    const kv = kvs[i]!;
    if (typeof kv.key !== "string" || kv.key === "") continue;
    const v = attributeValue(kv.value);
    if (v !== undefined) setOwn(out, kv.key, v);
  }
  return out;
}

/**
 * {@link SpanData} of an OTLP span. Throws {@link OtlpSpanError} for a span
 * that cannot stand for a record: missing or malformed ids, no start time.
 */
export function otlpSpanToData(span: OtlpSpan, scopeName?: string, resourceAttributes?: Attributes): SpanData {
  const traceId = hexId(span.traceId, 16, "trace id", false)!;
  const spanId = hexId(span.spanId, 8, "span id", false)!;
  const parentSpanId = hexId(span.parentSpanId, 8, "parent span id", true);
  const startTime = nanosToSeconds(span.startTimeUnixNano, "start time");
  if (startTime === undefined) throw new OtlpSpanError(`span ${spanId} has no start time`);
  const otlpKind = enumValue(span.kind, KIND_NAMES);
  const kind = otlpKind > 0 ? otlpKind - 1 : 0;
  const status = span.status ?? {};
  const events = span.events?.length ? span.events.map((e) => ({ name: e.name ?? "", attributes: otlpAttributes(e.attributes) })) : undefined;
  return {
    name: typeof span.name === "string" ? span.name : "",
    kind,
    traceId,
    spanId,
    parentSpanId,
    startTime,
    endTime: nanosToSeconds(span.endTimeUnixNano, "end time"),
    attributes: otlpAttributes(span.attributes),
    status: { code: enumValue(status.code, STATUS_NAMES), message: status.message || undefined },
    events,
    scopeName,
    resourceAttributes,
  };
}
