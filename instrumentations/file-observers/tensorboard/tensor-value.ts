/**
 * The value of a one-element `TensorProto` (how TF2's `tf.summary.scalar`
 * stores a scalar): from `tensor_content` (raw little-endian bytes) or from
 * the typed `*_val` fields, by `dtype`.
 */

/** `tensorflow.DataType` codes read here. */
const DT = {
  FLOAT: 1,
  DOUBLE: 2,
  INT32: 3,
  UINT8: 4,
  INT16: 5,
  INT8: 6,
  STRING: 7,
  INT64: 9,
  BOOL: 10,
  BFLOAT16: 14,
  UINT16: 17,
  HALF: 19,
  UINT32: 22,
  UINT64: 23,
} as const;

/** The decoded `TensorProto` fields this module reads. */
export interface TensorMessage {
  dtype?: number;
  tensor_shape?: { dim?: Array<{ size?: number | { toNumber(): number } }> } | null;
  tensor_content?: Uint8Array;
  half_val?: number[];
  float_val?: number[];
  double_val?: number[];
  int_val?: number[];
  string_val?: Uint8Array[];
  int64_val?: Array<number | { toNumber(): number }>;
  bool_val?: boolean[];
  uint32_val?: number[];
  uint64_val?: Array<number | { toNumber(): number }>;
}

function toNumber(v: number | { toNumber(): number } | undefined): number {
  if (v === undefined) return 0;
  return typeof v === "number" ? v : v.toNumber();
}

/** Number of elements the shape describes (a scalar has no dimensions: 1). */
export function tensorElementCount(t: TensorMessage): number {
  let n = 1;
  for (const d of t.tensor_shape?.dim ?? []) n *= toNumber(d.size);
  return n;
}

function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >> 10) & 0x1f;
  const frac = bits & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

function bfloat16ToFloat(bits: number): number {
  const view = new DataView(new ArrayBuffer(4));
  view.setUint32(0, (bits & 0xffff) << 16);
  return view.getFloat32(0);
}

/**
 * The single value of a one-element tensor, or `undefined` when the tensor
 * holds more (or fewer) than one element or a type that is not a plain
 * number, boolean or string.
 */
export function tensorScalar(t: TensorMessage): number | boolean | string | undefined {
  if (tensorElementCount(t) !== 1) return undefined;
  const c = t.tensor_content && t.tensor_content.length ? t.tensor_content : undefined;
  const view = c ? new DataView(c.buffer, c.byteOffset, c.byteLength) : undefined;
  const has = (n: number) => view !== undefined && view.byteLength >= n;
  switch (t.dtype) {
    case DT.FLOAT:
      return has(4) ? view!.getFloat32(0, true) : (t.float_val?.[0] ?? 0);
    case DT.DOUBLE:
      return has(8) ? view!.getFloat64(0, true) : (t.double_val?.[0] ?? 0);
    case DT.INT32:
      return has(4) ? view!.getInt32(0, true) : (t.int_val?.[0] ?? 0);
    case DT.UINT8:
      return has(1) ? view!.getUint8(0) : (t.int_val?.[0] ?? 0);
    case DT.INT16:
      return has(2) ? view!.getInt16(0, true) : (t.int_val?.[0] ?? 0);
    case DT.INT8:
      return has(1) ? view!.getInt8(0) : (t.int_val?.[0] ?? 0);
    case DT.UINT16:
      return has(2) ? view!.getUint16(0, true) : (t.int_val?.[0] ?? 0);
    case DT.INT64:
      return has(8) ? Number(view!.getBigInt64(0, true)) : toNumber(t.int64_val?.[0]);
    case DT.UINT32:
      return has(4) ? view!.getUint32(0, true) : (t.uint32_val?.[0] ?? 0);
    case DT.UINT64:
      return has(8) ? Number(view!.getBigUint64(0, true)) : toNumber(t.uint64_val?.[0]);
    case DT.BOOL:
      return has(1) ? view!.getUint8(0) !== 0 : (t.bool_val?.[0] ?? false);
    case DT.HALF:
      return halfToFloat(has(2) ? view!.getUint16(0, true) : (t.half_val?.[0] ?? 0));
    case DT.BFLOAT16:
      return bfloat16ToFloat(has(2) ? view!.getUint16(0, true) : (t.half_val?.[0] ?? 0));
    case DT.STRING: {
      const s = t.string_val?.[0];
      return s ? Buffer.from(s.buffer, s.byteOffset, s.byteLength).toString("utf8") : "";
    }
    default:
      return undefined;
  }
}
