import { InstrumentationBase, InstrumentationNodeModuleDefinition, type InstrumentationConfig } from "../instrumentation-package.js";
import { VERSION } from "../../lib/process/version.js";
import { loadedModule } from "../loaded-module.js";
import type { WorkerTaskOptions } from "../workers/worker-task.js";
import { runInstrumented, type PiscinaLike } from "./instrument-piscina.js";

/** Configuration of {@link PiscinaInstrumentation}. */
export interface PiscinaInstrumentationConfig extends InstrumentationConfig, Omit<WorkerTaskOptions, "activityId"> {}

/** The shape of a loaded piscina module that is patched. */
export interface PiscinaModule {
  Piscina?: { prototype: PiscinaLike };
  default?: { prototype: PiscinaLike };
}

const SUPPORTED = [">=4.0.0 <6"];

/**
 * Auto-instrumentation of `piscina`: every task of every pool is recorded as
 * with `instrumentPiscina`. Piscina's ES module entry wraps its CommonJS
 * one, so one patch covers both.
 */
export class PiscinaInstrumentation extends InstrumentationBase<PiscinaInstrumentationConfig> {
  // `declare`: the base constructor already enables (and may patch) before field initialisers would run.
  declare private patched: Set<PiscinaLike> | undefined;

  constructor(config: PiscinaInstrumentationConfig = {}) {
    super("flowcept-otel/instrumentation-piscina", VERSION, config);
  }

  protected init(): InstrumentationNodeModuleDefinition[] {
    return [
      new InstrumentationNodeModuleDefinition(
        "piscina",
        SUPPORTED,
        (exports: PiscinaModule) => this.patchModule(exports),
        (exports?: PiscinaModule) => {
          const proto = classOf(exports)?.prototype;
          if (proto) this._unwrap(proto, "run");
        },
      ),
    ];
  }

  /** Starts instrumenting: patches the library if it is loaded, and when it is loaded later. */
  override enable(): void {
    super.enable();
    this.patchModule(loadedModule("piscina") as PiscinaModule | undefined);
  }

  /** Stops instrumenting and restores what was patched. */
  override disable(): void {
    super.disable();
    for (const proto of this.patched ?? []) if ((proto.run as { __wrapped?: boolean }).__wrapped) this._unwrap(proto, "run");
    this.patched?.clear();
  }

  /** Patches `Piscina.prototype.run` of a loaded piscina module. */
  patchModule<E extends PiscinaModule | undefined>(exports: E): E {
    const proto = classOf(exports)?.prototype;
    const run = proto?.run as (PiscinaLike["run"] & { __wrapped?: boolean }) | undefined;
    if (!proto || typeof run !== "function" || run.__wrapped) return exports;
    (this.patched ??= new Set()).add(proto);
    const config = () => this.getConfig();
    this._wrap(proto, "run", (original) =>
      function (this: PiscinaLike, task: unknown, runOptions?: Record<string, unknown>) {
        return runInstrumented(this, original, task, runOptions, config());
      },
    );
    return exports;
  }
}

function classOf(exports: PiscinaModule | undefined): { prototype: PiscinaLike } | undefined {
  if (!exports) return undefined;
  if (typeof exports === "function") return exports as unknown as { prototype: PiscinaLike };
  return exports.Piscina ?? exports.default;
}
