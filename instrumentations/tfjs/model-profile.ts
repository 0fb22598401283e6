/** A model's profile for its workflow record: layer count, parameter count, layer summary. */

/** The slice of a TF.js layer this module reads. */
export interface LayerLike {
  name?: string;
  trainable?: boolean;
  outputShape?: unknown;
  getClassName?: () => string;
  countParams?: () => number;
  call?: (...args: unknown[]) => unknown;
}

/** The slice of a TF.js `LayersModel` / `GraphModel` this module reads. */
export interface ModelLike {
  name?: string;
  layers?: LayerLike[];
  countParams?: () => number;
  getClassName?: () => string;
  weights?: unknown;
  inputs?: unknown;
  outputs?: unknown;
}

function safe<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}

function shapeOf(v: unknown): unknown {
  if (Array.isArray(v)) return v.map((x) => (x !== null && typeof x === "object" && "shape" in x ? (x as { shape: unknown }).shape : x));
  return v;
}

/** Number of parameters of a GraphModel: the sizes of its weight tensors. */
function graphParams(weights: unknown): number | undefined {
  if (weights === null || typeof weights !== "object") return undefined;
  let n = 0;
  for (const list of Object.values(weights as Record<string, unknown>)) {
    for (const t of Array.isArray(list) ? list : [list]) if (t !== null && typeof t === "object" && typeof (t as { size?: unknown }).size === "number") n += (t as { size: number }).size;
  }
  return n;
}

/** The profile recorded in the model's workflow (`custom_metadata.model_profile`). */
export function modelProfile(model: ModelLike): Record<string, unknown> {
  const layers = Array.isArray(model.layers) ? model.layers : [];
  const summary = layers.map((l) => ({
    name: l.name,
    class_name: safe(() => l.getClassName?.()),
    output_shape: safe(() => shapeOf(l.outputShape)),
    params: safe(() => l.countParams?.()),
    trainable: l.trainable,
  }));
  let maxWidth = 0;
  for (const l of summary) {
    const s = l.output_shape;
    if (Array.isArray(s)) for (const d of s.flat(2)) if (typeof d === "number" && d > maxWidth) maxWidth = d;
  }
  const profile: Record<string, unknown> = {
    model_class: safe(() => model.getClassName?.()) ?? model.constructor?.name,
    params: safe(() => model.countParams?.()) ?? graphParams(safe(() => model.weights)),
    n_layers: layers.length,
    layers: summary,
  };
  if (maxWidth > 0) profile.max_width = maxWidth;
  const inputs = safe(() => shapeOf(model.inputs));
  if (inputs !== undefined) profile.inputs = inputs;
  const outputs = safe(() => shapeOf(model.outputs));
  if (outputs !== undefined) profile.outputs = outputs;
  return profile;
}
