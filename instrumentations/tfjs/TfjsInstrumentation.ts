import { InstrumentationBase, InstrumentationNodeModuleDefinition, type InstrumentationConfig } from "../instrumentation-package.js";
import { VERSION } from "../../lib/process/version.js";
import { loadedModule } from "../loaded-module.js";
import { captureOf, FIT_METHODS, FORWARD_METHODS, runFit } from "./flowcept-model.js";
import type { FlowceptModelOptions } from "./model-settings.js";

/** Configuration of {@link TfjsInstrumentation}: options applied to every model. */
export interface TfjsInstrumentationConfig extends InstrumentationConfig, Omit<FlowceptModelOptions, "name" | "parentWorkflowId" | "campaignId"> {}

type Proto = Record<string, unknown>;
interface ClassLike {
  prototype: Proto;
}

const SUPPORTED = [">=3.0.0 <5"];

/**
 * Auto-instrumentation of TensorFlow.js: every `LayersModel` / `Sequential`
 * (`@tensorflow/tfjs-layers`) and `GraphModel` (`@tensorflow/tfjs-converter`)
 * is captured as with `flowceptModel`, with the instrumentation's config as
 * options. TF.js packages load as CommonJS for `import` and `require` alike,
 * so one patch covers both.
 */
export class TfjsInstrumentation extends InstrumentationBase<TfjsInstrumentationConfig> {
  // `declare`: the base constructor already enables (and may patch) before field initialisers would run.
  declare private patched: Set<Proto> | undefined;

  constructor(config: TfjsInstrumentationConfig = {}) {
    super("flowcept-otel/instrumentation-tfjs", VERSION, config);
  }

  protected init(): InstrumentationNodeModuleDefinition[] {
    return [
      new InstrumentationNodeModuleDefinition("@tensorflow/tfjs-layers", SUPPORTED, (e: Record<string, unknown>) => this.patchModule(e), (e?: Record<string, unknown>) => this.unpatchModule(e)),
      new InstrumentationNodeModuleDefinition("@tensorflow/tfjs-converter", SUPPORTED, (e: Record<string, unknown>) => this.patchModule(e), (e?: Record<string, unknown>) => this.unpatchModule(e)),
    ];
  }

  /** Starts instrumenting: patches the library if it is loaded, and when it is loaded later. */
  override enable(): void {
    super.enable();
    this.patchModule(loadedModule("@tensorflow/tfjs-layers") as Record<string, unknown> | undefined);
    this.patchModule(loadedModule("@tensorflow/tfjs-converter") as Record<string, unknown> | undefined);
  }

  /** Patches the model classes of a loaded `@tensorflow/tfjs-layers` or `@tensorflow/tfjs-converter` (or `@tensorflow/tfjs`) module. */
  patchModule<E extends Record<string, unknown> | undefined>(exports: E): E {
    const config = () => this.getConfig();
    for (const proto of prototypes(exports)) {
      (this.patched ??= new Set()).add(proto);
      for (const method of FORWARD_METHODS) {
        const fn = proto[method];
        if (typeof fn !== "function" || (fn as { __wrapped?: boolean }).__wrapped || !Object.prototype.hasOwnProperty.call(proto, method)) continue;
        this._wrap(proto, method, (original) =>
          function (this: object, ...args: unknown[]) {
            return captureOf(this, config()).forward(method, original as never, this, args);
          },
        );
      }
      for (const method of FIT_METHODS) {
        const fn = proto[method];
        if (typeof fn !== "function" || (fn as { __wrapped?: boolean }).__wrapped || !Object.prototype.hasOwnProperty.call(proto, method)) continue;
        this._wrap(proto, method, (original) =>
          function (this: object, ...args: unknown[]) {
            return runFit(captureOf(this, config()), method, original as never, this, args);
          },
        );
      }
    }
    return exports;
  }

  /** Stops instrumenting and restores what was patched. */
  override disable(): void {
    super.disable();
    for (const proto of this.patched ?? []) this.unpatchProto(proto);
    this.patched?.clear();
  }

  private unpatchModule(exports?: Record<string, unknown>): void {
    for (const proto of prototypes(exports)) this.unpatchProto(proto);
  }

  private unpatchProto(proto: Proto): void {
    for (const m of [...FORWARD_METHODS, ...FIT_METHODS]) if ((proto[m] as { __wrapped?: boolean } | undefined)?.__wrapped) this._unwrap(proto, m);
  }
}

function prototypes(exports: Record<string, unknown> | undefined): Proto[] {
  if (!exports) return [];
  const out: Proto[] = [];
  for (const name of ["LayersModel", "Sequential", "GraphModel"]) {
    const c = exports[name];
    if (typeof c === "function" && (c as ClassLike).prototype) out.push((c as ClassLike).prototype);
  }
  return out;
}
