/**
 * The file observers as the controller's named interceptors: each name is an
 * `adapters:` settings block or an adapter kind (`"tensorboard"`, `"mlflow"`).
 */
import type { InterceptorProvider } from "../../lib/capture/interceptors.js";
import { emitRecords } from "../../lib/pipeline/record-sink.js";
import type { FlowceptRecord } from "../../lib/records/records.js";
import { FlowceptSettingsError } from "../../lib/settings/settings.js";
import { ADAPTER_KINDS, adapterConfigFromSettings, resolveAdapterConfig, type AdapterConfig, type AdapterKind } from "./adapter-config.js";
import { createAdapter } from "./create-adapter.js";

/** The provider the package entry installs (see `lib/capture/interceptors.ts`). */
export const fileObserverInterceptors: InterceptorProvider = {
  prepare(names, settings) {
    const configs: AdapterConfig[] = [];
    for (const name of names) {
      const cfg = adapterConfigFromSettings(name, settings) ?? ((ADAPTER_KINDS as readonly string[]).includes(name) ? resolveAdapterConfig(name as AdapterKind) : undefined);
      if (!cfg) {
        throw new FlowceptSettingsError(`unknown interceptor "${name}": expected "instrumentation", ${ADAPTER_KINDS.map((k) => `"${k}"`).join(", ")} or the name of an adapters: block`, "interceptors");
      }
      configs.push(cfg);
    }
    // Records go to the active pipeline, in the controller's workflow.
    const sink = (records: FlowceptRecord[]): void => {
      if (!emitRecords(records)) throw new Error("no Flowcept pipeline to receive adapter records");
    };
    return (workflowId, campaignId) => configs.map((cfg) => createAdapter(cfg.kind, cfg, sink, { workflowId, campaignId }).start());
  },
};
