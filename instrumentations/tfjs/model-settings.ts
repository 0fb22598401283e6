import { getSettingsSafe } from "../../lib/settings/settings-loader.js";
import type { ModelInstrumentationSettings } from "../../lib/settings/settings.js";

/** Options of `flowceptModel` (each overrides its `instrumentation.model` setting). */
export interface FlowceptModelOptions {
  /** Activity id of forward tasks and name of the model's workflow. Default: the model's name. */
  name?: string | undefined;
  what?: ModelInstrumentationSettings["what"] | undefined;
  childrenMode?: ModelInstrumentationSettings["children_mode"] | undefined;
  epochLoop?: ModelInstrumentationSettings["epoch_loop"] | undefined;
  batchLoop?: ModelInstrumentationSettings["batch_loop"] | undefined;
  captureEpochsAtEvery?: number | undefined;
  registerWorkflow?: boolean | undefined;
  /** Record the model profile in its workflow. Default true. */
  profile?: boolean | undefined;
  /** Record up to this many tensor values with the metadata. Default 0 (metadata only). */
  tensorValues?: number | undefined;
  /** Workflow the model's workflow belongs to. Default: the running workflow. */
  parentWorkflowId?: string | undefined;
  campaignId?: string | undefined;
  customMetadata?: Record<string, unknown> | undefined;
  /** Telemetry at the end of forward tasks. Default: from settings. */
  captureTelemetry?: boolean | undefined;
}

/** Options and settings combined. */
export interface ModelCaptureSettings extends ModelInstrumentationSettings {
  profile: boolean;
  tensorValues: number;
}

const MODES = new Set(["lightweight", "tensor_inspection", "telemetry", "telemetry_and_tensor_inspection"]);

/** The effective capture settings of one model. */
export function modelSettings(opts: FlowceptModelOptions): ModelCaptureSettings {
  const s = getSettingsSafe().instrumentation.model;
  const every = opts.captureEpochsAtEvery ?? s?.capture_epochs_at_every ?? 1;
  const mode = opts.childrenMode ?? s?.children_mode ?? "tensor_inspection";
  return {
    what: opts.what !== undefined ? opts.what : (s?.what ?? "parent_only"),
    children_mode: MODES.has(mode) ? mode : "tensor_inspection",
    epoch_loop: opts.epochLoop !== undefined ? opts.epochLoop : (s?.epoch_loop ?? "default"),
    batch_loop: opts.batchLoop !== undefined ? opts.batchLoop : (s?.batch_loop ?? null),
    capture_epochs_at_every: Number.isInteger(every) && every >= 1 ? every : 1,
    register_workflow: opts.registerWorkflow ?? s?.register_workflow ?? true,
    profile: opts.profile ?? true,
    tensorValues: Math.max(0, Math.floor(opts.tensorValues ?? 0)),
  };
}
