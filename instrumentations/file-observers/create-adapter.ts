import { lazyModule } from "../../lib/util/lazy-module.js";
import { resolveAdapterConfig, type AdapterConfig, type AdapterKind } from "./adapter-config.js";
import { stateFilePath } from "./adapter-state-file.js";
import type { AdapterOptions, AdapterSink, DataAdapter } from "./data-adapter.js";
import { ObservabilityAdapter } from "./ObservabilityAdapter.js";

// Each source loads its decoders (protobufjs, sql.js) only when an adapter of its kind is created.
const mlflow = lazyModule<typeof import("./mlflow/MlflowSource.js")>("./mlflow/MlflowSource.js", import.meta.url);
const tensorboard = lazyModule<typeof import("./tensorboard/TensorBoardSource.js")>("./tensorboard/TensorBoardSource.js", import.meta.url);

/**
 * Creates a TensorBoard or MLflow adapter. `config` is an `adapters:` block
 * of settings.yaml (missing keys take their defaults). Records go to `sink`.
 * Throws `FlowceptSettingsError` for a config value of the wrong type;
 * nothing after that throws into the host program.
 *
 * ```ts
 * const adapter = createAdapter("mlflow", { file_path: "mlflow.db" }, (records) => exporter.export(records, () => {}));
 * adapter.start();
 * // …
 * await adapter.stop();
 * ```
 */
export function createAdapter(
  kind: AdapterKind,
  config: Partial<AdapterConfig> | Record<string, unknown> | undefined,
  sink: AdapterSink,
  opts: AdapterOptions = {},
): DataAdapter {
  const resolved = resolveAdapterConfig(kind, config);
  const source = kind === "tensorboard" ? new (tensorboard().TensorBoardSource)(resolved, opts) : new (mlflow().MlflowSource)(resolved, opts);
  return new ObservabilityAdapter(source, resolved, sink, stateFilePath(resolved, source.target, opts.stateDir));
}
