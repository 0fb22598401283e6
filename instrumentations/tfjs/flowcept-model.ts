import { diag } from "@opentelemetry/api";
import { captureConfig } from "../../lib/capture/capture-config.js";
import { runTaskBody } from "../../lib/capture/run-task-body.js";
import { errorMessage } from "../../lib/util/error-message.js";
import { FitCapture, hasFitCallback, type FitPlan } from "./FitCapture.js";
import type { ModelLike } from "./model-profile.js";
import { ModelCapture } from "./ModelCapture.js";
import type { FlowceptModelOptions } from "./model-settings.js";
import { isTensorLike } from "./tensor-metadata.js";
import type { AnyFunction } from "../../lib/util/any-function.js";

/** Forward methods of LayersModel (`predict`) and GraphModel (`predict`, `execute`, `executeAsync`). */
export const FORWARD_METHODS = ["predict", "execute", "executeAsync"] as const;
/** Training methods of LayersModel. */
export const FIT_METHODS = ["fit", "fitDataset"] as const;

const captures = new WeakMap<object, ModelCapture>();

/** The capture of a model, created on first use with default options. */
export function captureOf(model: object, options?: FlowceptModelOptions): ModelCapture {
  let c = captures.get(model);
  if (c === undefined) {
    c = new ModelCapture(model as ModelLike, options);
    captures.set(model, c);
  }
  return c;
}

function firstTensor(x: unknown): { shape: readonly number[] } | undefined {
  if (isTensorLike(x)) return x;
  if (Array.isArray(x)) return x.find(isTensorLike);
  if (x !== null && typeof x === "object") return Object.values(x).find(isTensorLike);
  return undefined;
}

/** Epochs and batches of a `fit(x, y, args)` / `fitDataset(dataset, args)` call, as TF.js will run them. */
function fitPlan(method: string, args: unknown[]): FitPlan {
  const a = (method === "fit" ? args[2] : args[1]) as Record<string, unknown> | undefined;
  const epochs = typeof a?.epochs === "number" ? a.epochs : 1;
  const initialEpoch = typeof a?.initialEpoch === "number" ? a.initialEpoch : 0;
  if (method !== "fit") return { epochs, initialEpoch, batches: typeof a?.batchesPerEpoch === "number" ? a.batchesPerEpoch : undefined };
  if (typeof a?.stepsPerEpoch === "number") return { epochs, initialEpoch, batches: a.stepsPerEpoch };
  const n = firstTensor(args[0])?.shape[0];
  if (typeof n !== "number") return { epochs, initialEpoch };
  const split = a?.validationData == null && typeof a?.validationSplit === "number" ? a.validationSplit : 0;
  const samples = split > 0 ? Math.floor(n * (1 - split)) : n;
  const batchSize = typeof a?.batchSize === "number" ? a.batchSize : 32;
  return { epochs, initialEpoch, batches: Math.ceil(samples / batchSize) };
}

function isCallbackObject(c: unknown): boolean {
  return c !== null && typeof c === "object" && typeof (c as { setModel?: unknown }).setModel === "function";
}

/**
 * Runs one `fit` / `fitDataset` call with the capture's callback added to
 * its callbacks. The promise settles as the original does.
 */
export function runFit(cap: ModelCapture, method: string, original: AnyFunction, self: unknown, args: unknown[]): unknown {
  const argIndex = method === "fit" ? 2 : 1;
  const given = args[argIndex] as Record<string, unknown> | undefined;
  if (!captureConfig().enabled || (given != null && typeof given !== "object") || hasFitCallback(given?.callbacks)) return original.apply(self, args);
  let fit: FitCapture;
  const call = [...args];
  try {
    fit = new FitCapture(cap, fitPlan(method, args));
    const user = given?.callbacks;
    const list = user == null ? [] : Array.isArray(user) ? [...user] : [user];
    list.push(fit.callback(list.length > 0 && isCallbackObject(list[0])));
    while (call.length < argIndex) call.push(undefined);
    call[argIndex] = { ...given, callbacks: list };
  } catch (err) {
    diag.error(`flowcept: training of ${cap.activityId} not captured: ${errorMessage(err)}`);
    return original.apply(self, args);
  }
  const close = (): void => fit.close();
  return runTaskBody(undefined, original, self, call, close, close);
}

const wrapped = new WeakSet<object>();

/**
 * Instruments a TF.js model (`tf.LayersModel`, `tf.Sequential`,
 * `tf.GraphModel`) — Flowcept's `flowcept_torch`: each `predict` /
 * `execute` / `executeAsync` call is a `parent_forward` task with tensor
 * metadata (shape, dtype, size, backend; values only with `tensorValues`),
 * with `child_forward` tasks per layer when `what` is
 * `parent_and_children`; `fit` / `fitDataset` record an `epochs_loop` (and
 * batch loops when asked). The model gets its own workflow record (with its
 * profile), child of the enclosing workflow. Options override the
 * `instrumentation.model` settings. Returns the model; results, errors and
 * training are unchanged.
 */
export function flowceptModel<M extends object>(model: M, options: FlowceptModelOptions = {}): M {
  if (model === null || typeof model !== "object") throw new TypeError("flowceptModel: expected a TF.js model");
  if (wrapped.has(model)) return model;
  const cap = new ModelCapture(model as ModelLike, options);
  captures.set(model, cap);
  const m = model as Record<string, unknown>;
  for (const method of FORWARD_METHODS) {
    const original = m[method];
    if (typeof original !== "function") continue;
    m[method] = function (this: unknown, ...args: unknown[]) {
      return cap.forward(method, original as AnyFunction, this, args);
    };
  }
  for (const method of FIT_METHODS) {
    const original = m[method];
    if (typeof original !== "function") continue;
    m[method] = function (this: unknown, ...args: unknown[]) {
      return runFit(cap, method, original as AnyFunction, this, args);
    };
  }
  wrapped.add(model);
  return model;
}
