import { diag, type Attributes } from "@opentelemetry/api";
import { ATTR } from "../../lib/records/attributes.js";
import { captureConfig } from "../../lib/capture/capture-config.js";
import { nowSeconds } from "../../lib/records/clock.js";
import { HOSTNAME, LOGIN_NAME } from "../../lib/process/host-info.js";
import { newUuid } from "../../lib/records/ids.js";
import { toJsonObject } from "../../lib/records/json-safe.js";
import type { WorkflowRecord } from "../../lib/records/records.js";
import { ensureFlowceptPipeline } from "../../lib/pipeline/register-flowcept.js";
import { endTaskError, endTaskOk, startTaskSpan } from "../../lib/capture/task-span.js";
import { errorMessage } from "../../lib/util/error-message.js";
import { runTaskBody } from "../../lib/capture/run-task-body.js";
import { taskTelemetry, wantTelemetry } from "../../lib/capture/task-telemetry.js";
import { VERSION } from "../../lib/process/version.js";
import { currentScope } from "../../lib/context/current-scope.js";
import { modelProfile, type LayerLike, type ModelLike } from "./model-profile.js";
import { modelSettings, type FlowceptModelOptions, type ModelCaptureSettings } from "./model-settings.js";
import { backendName, tensorsField } from "./tensor-metadata.js";
import { emitRecords } from "../../lib/pipeline/record-sink.js";
import type { AnyFunction } from "../../lib/util/any-function.js";

/** Subtype of a model's forward call task (Flowcept's torch instrumentation name). */
export const PARENT_FORWARD = "parent_forward";
/** Subtype of a layer's forward task inside a parent forward. */
export const CHILD_FORWARD = "child_forward";

/** The capture whose forward call is running (nested calls — Sequential's inner model, GraphModel.predict → execute — are part of it). */
let activeForward: ModelCapture | undefined;
const patchedLayers = new WeakSet<object>();

/** Layers get and return one-element arrays of tensors: recorded as the tensor. */
function single(v: unknown): unknown {
  return Array.isArray(v) && v.length === 1 ? v[0] : v;
}

function forwardJson(field: Record<string, unknown> | undefined, extra?: Record<string, unknown>): string | undefined {
  if (field === undefined && extra === undefined) return undefined;
  return JSON.stringify({ ...field, ...extra });
}

/**
 * What is captured of one model: its workflow, its forward calls (one
 * `parent_forward` task each, and `child_forward` tasks per layer when
 * asked), and the epochs of its training (see `FitCapture`).
 */
export class ModelCapture {
  readonly settings: ModelCaptureSettings;
  readonly activityId: string;
  /** The model's own workflow id (when `register_workflow` is on). */
  readonly modelWorkflowId: string | undefined;
  private parentWorkflowId: string | undefined;
  private campaignId: string | undefined;
  private registered = false;
  /** The epoch `fit` is in, -1 outside training. */
  epoch = -1;

  constructor(
    readonly model: ModelLike,
    readonly options: FlowceptModelOptions = {},
  ) {
    this.settings = modelSettings(options);
    this.activityId = options.name ?? (typeof model.name === "string" && model.name ? model.name : (model.constructor?.name ?? "model"));
    this.modelWorkflowId = this.settings.register_workflow ? newUuid() : undefined;
    const scope = currentScope();
    this.parentWorkflowId = options.parentWorkflowId ?? scope?.workflowId;
    this.campaignId = options.campaignId ?? scope?.campaignId;
    if (options.captureTelemetry === true) wantTelemetry();
    if (this.settings.what === "parent_and_children") this.patchLayers();
  }

  /** The workflow the model's tasks belong to: its own, else the running one. */
  get workflowId(): string | undefined {
    return this.modelWorkflowId ?? currentScope()?.workflowId;
  }

  /** Writes the model's workflow record on first use, as a child of the enclosing workflow. */
  ensureRegistered(): void {
    if (this.registered || this.modelWorkflowId === undefined) return;
    this.registered = true;
    try {
      const scope = currentScope();
      this.parentWorkflowId ??= scope?.workflowId;
      this.campaignId ??= scope?.campaignId;
      ensureFlowceptPipeline();
      const now = nowSeconds();
      const custom: Record<string, unknown> = { ...this.options.customMetadata, workflow_type: "TfjsModel" };
      if (this.settings.profile) custom.model_profile = modelProfile(this.model);
      const backend = backendName();
      if (backend !== undefined) custom.backend = backend;
      const rec: WorkflowRecord = {
        type: "workflow",
        workflow_id: this.modelWorkflowId,
        name: this.activityId,
        subtype: "ml_model",
        used: { capture_epochs_at_every: this.settings.capture_epochs_at_every },
        custom_metadata: toJsonObject(custom, { maxBytes: 1024 * 1024, maxStringLength: 16384, maxDepth: 16 }),
        flowcept_version: VERSION,
        hostname: HOSTNAME,
        started_at: now,
        utc_timestamp: now,
      };
      if (this.parentWorkflowId !== undefined) rec.parent_workflow_id = this.parentWorkflowId;
      if (this.campaignId !== undefined) rec.campaign_id = this.campaignId;
      if (LOGIN_NAME !== undefined) rec.user = LOGIN_NAME;
      emitRecords(rec);
    } catch (err) {
      diag.error(`flowcept: workflow of model ${this.activityId} not recorded: ${errorMessage(err)}`);
    }
  }

  /** Whether forward calls of the current epoch are captured (`capture_epochs_at_every`). */
  private epochCaptured(): boolean {
    return this.epoch < 0 || this.epoch % this.settings.capture_epochs_at_every === 0;
  }

  /**
   * Runs one forward call (`predict`, `execute`, `executeAsync`) of the
   * model as a `parent_forward` task. The result and any error are the
   * call's own.
   */
  forward(method: string, original: AnyFunction, self: unknown, args: unknown[]): unknown {
    if (activeForward !== undefined || this.settings.what === null) return original.apply(self, args);
    const cfg = captureConfig();
    if (!cfg.enabled || !this.epochCaptured()) return original.apply(self, args);
    const telemetry = taskTelemetry(this.options.captureTelemetry, cfg.telemetry);
    const backend = backendName();
    const n = this.settings.tensorValues;
    let started;
    try {
      this.ensureRegistered();
      const attrs: Attributes = { [ATTR.SUBTYPE]: PARENT_FORWARD, [ATTR.CUSTOM_METADATA]: JSON.stringify({ method, is_training: this.epoch >= 0 }) };
      const outputs = method === "predict" ? undefined : args[1];
      const used = forwardJson(tensorsField(args[0], backend, n), typeof outputs === "string" || Array.isArray(outputs) ? { outputs } : undefined);
      if (used !== undefined) attrs[ATTR.USED] = used;
      started = startTaskSpan(this.activityId, attrs, telemetry, this.workflowId, this.campaignId);
    } catch (err) {
      diag.error(`flowcept: forward of ${this.activityId} not captured: ${errorMessage(err)}`);
      return original.apply(self, args);
    }
    const span = started.span;
    const end = (y: unknown) => {
      let generated: string | undefined;
      try {
        generated = forwardJson(tensorsField(y, backend, n));
      } catch (err) {
        generated = JSON.stringify({ error: `output not recorded: ${errorMessage(err)}` });
      }
      endTaskOk(span, generated, telemetry);
    };
    activeForward = this;
    try {
      return runTaskBody(started.context, original, self, args, end, (err) => endTaskError(span, err, telemetry));
    } finally {
      activeForward = undefined;
    }
  }

  /** Wraps each layer's `call` so that, inside this model's forward calls, each layer is a `child_forward` task. */
  private patchLayers(): void {
    const layers = Array.isArray(this.model.layers) ? this.model.layers : [];
    for (const layer of layers) {
      if (patchedLayers.has(layer) || typeof layer.call !== "function") continue;
      const original = layer.call;
      const self = this;
      layer.call = function (this: LayerLike, ...args: unknown[]) {
        return activeForward === self ? self.childForward(this, original, args) : original.apply(this, args);
      };
      patchedLayers.add(layer);
    }
  }

  private childForward(layer: LayerLike, original: AnyFunction, args: unknown[]): unknown {
    const mode = this.settings.children_mode;
    const inspect = mode.includes("tensor_inspection");
    const telemetry = mode.includes("telemetry");
    const backend = backendName();
    let started;
    try {
      const className = (() => {
        try {
          return layer.getClassName?.();
        } catch {
          return undefined;
        }
      })();
      const used: Record<string, unknown> = { layer: layer.name ?? null };
      if (inspect) Object.assign(used, tensorsField(single(args[0]), backend, this.settings.tensorValues));
      started = startTaskSpan(className ?? layer.name ?? "layer", { [ATTR.SUBTYPE]: CHILD_FORWARD, [ATTR.USED]: JSON.stringify(used) }, telemetry, this.workflowId, this.campaignId);
    } catch (err) {
      diag.error(`flowcept: layer forward not captured: ${errorMessage(err)}`);
      return original.apply(layer, args);
    }
    const span = started.span;
    return runTaskBody(
      started.context,
      original,
      layer,
      args,
      (y) => endTaskOk(span, inspect ? forwardJson(tensorsField(single(y), backend, this.settings.tensorValues)) : undefined, telemetry),
      (err) => endTaskError(span, err, telemetry),
    );
  }
}
