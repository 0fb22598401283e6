/**
 * Tensor metadata for `used` / `generated`: shape, dtype, size, backend —
 * never the values unless asked (then at most `maxValues` of them). Reads
 * only what a tensor already knows, so the cost does not grow with its size.
 */

/** The slice of a TF.js tensor this module reads (structural: TF.js stays optional). */
export interface TensorLike {
  shape: readonly number[];
  dtype: string;
  size: number;
  rank?: number;
  isDisposed?: boolean;
  dataSync?: () => ArrayLike<number | string | Uint8Array>;
}

/** Metadata of one tensor. */
export interface TensorMetadata {
  shape: number[];
  dtype: string;
  size: number;
  backend?: string;
  values?: unknown[];
  values_truncated?: boolean;
}

/** Whether `v` looks like a TF.js tensor. */
export function isTensorLike(v: unknown): v is TensorLike {
  return v !== null && typeof v === "object" && Array.isArray((v as TensorLike).shape) && typeof (v as TensorLike).dtype === "string" && typeof (v as TensorLike).size === "number";
}

/** The name of the active TF.js backend (from TF.js's global engine), if TF.js is loaded. */
export function backendName(): string | undefined {
  try {
    const engine = (globalThis as { _tfengine?: { backendName?: unknown } })._tfengine;
    return typeof engine?.backendName === "string" ? engine.backendName : undefined;
  } catch {
    return undefined;
  }
}

/** Metadata of one tensor; `maxValues > 0` also records its first values. */
export function tensorMetadata(t: TensorLike, backend: string | undefined, maxValues = 0): TensorMetadata {
  const m: TensorMetadata = { shape: [...t.shape], dtype: t.dtype, size: t.size };
  if (backend !== undefined) m.backend = backend;
  if (maxValues > 0 && !t.isDisposed && typeof t.dataSync === "function") {
    try {
      const data = t.dataSync();
      const n = Math.min(data.length, maxValues);
      const values: unknown[] = new Array(n);
      for (let i = 0; i < n; i++) {
        const v = data[i];
        values[i] = v instanceof Uint8Array ? Buffer.from(v).toString("utf8") : v;
      }
      m.values = values;
      if (data.length > n) m.values_truncated = true;
    } catch {
      // a tensor whose data cannot be read synchronously: metadata only
    }
  }
  return m;
}

/**
 * `{ tensor }` for one tensor, `{ tensors: [...] }` for an array,
 * `{ tensors: { name: ... } }` for a named map; undefined for anything else.
 */
export function tensorsField(v: unknown, backend: string | undefined, maxValues = 0): Record<string, unknown> | undefined {
  if (isTensorLike(v)) return { tensor: tensorMetadata(v, backend, maxValues) };
  if (Array.isArray(v)) {
    const list = v.filter(isTensorLike);
    return list.length ? { tensors: list.map((t) => tensorMetadata(t, backend, maxValues)) } : undefined;
  }
  if (v !== null && typeof v === "object") {
    let out: Record<string, TensorMetadata> | undefined;
    for (const [k, t] of Object.entries(v)) if (isTensorLike(t)) (out ??= {})[k] = tensorMetadata(t, backend, maxValues);
    return out ? { tensors: out } : undefined;
  }
  return undefined;
}
