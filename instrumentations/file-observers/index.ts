export { createAdapter } from "./create-adapter.js";
export { ObservabilityAdapter } from "./ObservabilityAdapter.js";
export { PersistentSource } from "./PersistentSource.js";
export type { DataAdapter, AdapterSink, AdapterOptions } from "./data-adapter.js";
export { isSourceStateFor, newSourceState } from "./adapter-source.js";
export type { AdapterSource, SourceScan, SourceState } from "./adapter-source.js";
export {
  ADAPTER_KINDS,
  adapterConfigFromSettings,
  defaultAdapterConfig,
  resolveAdapterConfig,
} from "./adapter-config.js";
export type { AdapterConfig, AdapterKind, TensorBoardLogTag } from "./adapter-config.js";
export { newAdapterCounters } from "./adapter-counters.js";
export type { AdapterCounters } from "./adapter-counters.js";
export { defaultStateDir, stateFilePath, loadStateFile, saveStateFile } from "./adapter-state-file.js";
export { nameFilter } from "./name-filter.js";
export type { NameFilter } from "./name-filter.js";
export { compact, contentDigest, jsonNumber, msToSeconds, nowSeconds, stableUuid } from "./record-values.js";
