/**
 * The controller's `interceptors` option: `"instrumentation"` is the capture
 * API itself; every other name is a data observer (the file adapters of
 * `instrumentations/file-observers`). The package entry points provide the
 * observers, so that capture does not depend on the instrumentations built
 * on top of it.
 */
import { diag } from "@opentelemetry/api";
import { FlowceptSettingsError, type FlowceptSettings } from "../settings/settings.js";
import { errorMessage } from "../util/error-message.js";

/** An interceptor started for a workflow; stopped when the workflow stops. */
export interface RunningInterceptor {
  readonly kind: string;
  /** Stops it (a last scan included). */
  stop(): Promise<void>;
}

/** Starts the interceptors named in a controller's options. */
export interface InterceptorProvider {
  /**
   * Checks every name against the settings and returns how to start them
   * for a workflow. Throws {@link FlowceptSettingsError} for an unknown name.
   */
  prepare(names: readonly string[], settings: FlowceptSettings): (workflowId: string, campaignId: string) => RunningInterceptor[];
}

let provider: (() => InterceptorProvider) | undefined;

/** @internal Installs the provider of named interceptors (called by the package entry points). */
export function provideInterceptors(p: () => InterceptorProvider): void {
  provider = p;
}

/** How to start the non-`"instrumentation"` interceptors of `names`; undefined when there are none. */
export function prepareInterceptors(names: readonly string[], settings: FlowceptSettings): ((workflowId: string, campaignId: string) => RunningInterceptor[]) | undefined {
  const others = names.filter((n) => n !== "instrumentation");
  if (others.length === 0) return undefined;
  if (provider === undefined) throw new FlowceptSettingsError(`interceptors ${others.map((n) => `"${n}"`).join(", ")} need the data observers of "flowcept-otel" (import the package entry)`, "interceptors");
  return provider().prepare(others, settings);
}

/** Stops interceptors; never throws. */
export async function stopInterceptors(running: readonly RunningInterceptor[]): Promise<void> {
  await Promise.all(
    running.map((r) =>
      r.stop().catch((err: unknown) => {
        diag.error(`flowcept: interceptor ${r.kind} did not stop cleanly: ${errorMessage(err)}`);
      }),
    ),
  );
}
