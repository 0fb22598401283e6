export { Status, isTerminalStatus } from "./records.js";
export type { StatusValue, JsonValue, JsonObject, BaseRecord, TaskRecord, WorkflowRecord, FlowceptRecord } from "./records.js";
export type { RecordExporter } from "./record-exporter.js";
export { mergeRecord, mergeRecords, recordKey, MERGED_SUBDOCUMENTS } from "./merge-records.js";
export { defaultSettings, mergeSettings, FlowceptSettingsError } from "./settings.js";
export type { FlowceptSettings, SettingsOverrides } from "./settings.js";
export { getSettings, configure, resetSettings, settingsFilePath, readSettingsFile } from "./settings-loader.js";
