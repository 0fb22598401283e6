/**
 * The controller's `interceptors` option: `"instrumentation"` (the capture
 * API, always available) and the data observability adapters named by their
 * `adapters:` settings block or kind (`"tensorboard"`, `"mlflow"`).
 */
import { diag } from "@opentelemetry/api";
import { ADAPTER_KINDS, adapterConfigFromSettings, resolveAdapterConfig, type AdapterConfig, type AdapterKind } from "./adapter-config.js";
import { createAdapter } from "./create-adapter.js";
import type { DataAdapter } from "./data-adapter.js";
import { FlowceptSpanProcessor } from "../../lib/pipeline/FlowceptSpanProcessor.js";
import type { FlowceptRecord } from "../../lib/records/records.js";
import { FlowceptSettingsError, type FlowceptSettings } from "../../lib/settings/settings.js";

/** Resolves every interceptor name to an adapter configuration (none for `"instrumentation"`). Throws for unknown names. */
export function resolveInterceptors(names: readonly string[], settings: FlowceptSettings): AdapterConfig[] {
  const out: AdapterConfig[] = [];
  for (const name of names) {
    if (name === "instrumentation") continue;
    const cfg = adapterConfigFromSettings(name, settings) ?? ((ADAPTER_KINDS as readonly string[]).includes(name) ? resolveAdapterConfig(name as AdapterKind) : undefined);
    if (!cfg) {
      throw new FlowceptSettingsError(`unknown interceptor "${name}": expected "instrumentation", ${ADAPTER_KINDS.map((k) => `"${k}"`).join(", ")} or the name of an adapters: block`, "interceptors");
    }
    out.push(cfg);
  }
  return out;
}

/** Starts the adapters, their records going to the active Flowcept processor in the given workflow. */
export function startAdapters(configs: readonly AdapterConfig[], workflowId: string, campaignId: string): DataAdapter[] {
  const sink = (records: FlowceptRecord[]) => {
    const p = FlowceptSpanProcessor.active();
    if (!p) throw new Error("no Flowcept processor to receive adapter records");
    p.emit(records);
  };
  return configs.map((cfg) => createAdapter(cfg.kind, cfg, sink, { workflowId, campaignId }).start());
}

/** Stops adapters (each does a last scan). Never throws. */
export async function stopAdapters(adapters: readonly DataAdapter[]): Promise<void> {
  await Promise.all(
    adapters.map((a) =>
      a.stop().catch((err: unknown) => {
        diag.error(`flowcept: adapter ${a.kind} did not stop cleanly: ${(err as Error)?.message ?? err}`);
      }),
    ),
  );
}
