/** The thin settings layer over {@link MongoRecordExporter} (`databases.mongodb.*`, `db_buffer.*`); loaded only when MongoDB is enabled, as it loads the driver. */
import { mongoDbNameFromSettings, mongoUriFromSettings } from "./mongo-settings.js";
import { getSettingsSafe } from "../../lib/settings/settings-loader.js";
import type { FlowceptSettings } from "../../lib/settings/settings.js";
import { MongoRecordExporter, type MongoRecordExporterOptions } from "./MongoRecordExporter.js";

/** Exporter options from settings; `overrides` win. */
export function mongoExporterOptionsFromSettings(
  settings: FlowceptSettings = getSettingsSafe(),
  overrides: Partial<MongoRecordExporterOptions> = {},
): MongoRecordExporterOptions {
  const m = settings.databases.mongodb;
  const b = settings.db_buffer;
  return {
    uri: mongoUriFromSettings(settings),
    dbName: mongoDbNameFromSettings(settings),
    createIndexes: m.create_collection_index,
    batchSize: b.buffer_size,
    spillDir: b.spill_dir,
    removeEmptyFields: b.remove_empty_fields,
    stopMaxTrials: b.stop_max_trials,
    stopTrialsSleepMs: b.stop_trials_sleep * 1000,
    ...overrides,
  };
}

/** The exporter from settings, or undefined when `databases.mongodb.enabled` is false. */
export function createMongoExporterFromSettings(
  settings: FlowceptSettings = getSettingsSafe(),
  overrides: Partial<MongoRecordExporterOptions> = {},
): MongoRecordExporter | undefined {
  if (!settings.databases.mongodb.enabled) return undefined;
  return new MongoRecordExporter(mongoExporterOptionsFromSettings(settings, overrides));
}
