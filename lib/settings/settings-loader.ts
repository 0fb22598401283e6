/**
 * Finds and reads settings: `FLOWCEPT_SETTINGS_PATH`, else
 * `~/.flowcept/settings.yaml`, else defaults; then `FLOWCEPT_*` environment
 * variables; then anything given to {@link configure}. The pure merge and
 * validation live in `settings.ts`.
 */
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { diag } from "@opentelemetry/api";
import { parse as parseYaml, YAMLParseError } from "yaml";
import {
  defaultSettings,
  FlowceptSettingsError,
  mergeSettings,
  type FlowceptSettings,
  type SettingsOverrides,
} from "./settings.js";
import { errorMessage } from "../util/error-message.js";

let cached: FlowceptSettings | undefined;
let cachedEnv: string | undefined;
let programmatic: SettingsOverrides[] = [];
let generation = 0;

/** The settings file in use, or `null` when running on defaults. */
export function settingsFilePath(): string | null {
  const fromEnv = process.env.FLOWCEPT_SETTINGS_PATH;
  if (fromEnv) return resolve(fromEnv);
  const home = join(homedir(), ".flowcept", "settings.yaml");
  return existsSync(home) ? home : null;
}

/** Reads and validates one settings file. Throws {@link FlowceptSettingsError}. */
export function readSettingsFile(path: string, base: FlowceptSettings = defaultSettings()): FlowceptSettings {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new FlowceptSettingsError(`cannot read settings file: ${errorMessage(err)}`, path);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text, { prettyErrors: true });
  } catch (err) {
    const msg = err instanceof YAMLParseError ? err.message : String(err);
    throw new FlowceptSettingsError(`invalid YAML: ${msg}`, path);
  }
  return mergeSettings(base, doc, path);
}

function envOverrides(): SettingsOverrides {
  const out: Record<string, any> = {};
  const uri = process.env.FLOWCEPT_MONGO_URI;
  if (uri) out.databases = { mongodb: { enabled: true, uri } };
  const enabled = process.env.FLOWCEPT_INSTRUMENTATION_ENABLED;
  if (enabled !== undefined) out.instrumentation = { enabled: !/^(0|false|no|off)$/i.test(enabled) };
  return out as SettingsOverrides;
}

/**
 * The resolved settings, re-read when `FLOWCEPT_SETTINGS_PATH` changed since
 * the last read. Throws {@link FlowceptSettingsError} when the settings file
 * is invalid.
 */
export function getSettings(): FlowceptSettings {
  const envPath = process.env.FLOWCEPT_SETTINGS_PATH;
  if (cached && cachedEnv === envPath) return cached;
  const path = settingsFilePath();
  let s = path ? readSettingsFile(path) : defaultSettings();
  s = mergeSettings(s, envOverrides(), "environment");
  for (const o of programmatic) s = mergeSettings(s, o, "configure()");
  cached = s;
  cachedEnv = envPath;
  generation++;
  return s;
}

let warned = false;
/**
 * The resolved settings, or the defaults when the file is invalid (the error
 * is logged once through `diag`). Used on capture paths, which never throw.
 */
export function getSettingsSafe(): FlowceptSettings {
  try {
    return getSettings();
  } catch (err) {
    if (!warned) {
      warned = true;
      diag.error(`flowcept: ${errorMessage(err)}; using default settings`);
    }
    cached = defaultSettings();
    for (const o of programmatic) cached = mergeSettings(cached, o, "configure()");
    cachedEnv = process.env.FLOWCEPT_SETTINGS_PATH;
    generation++;
    return cached;
  }
}

/** Increases each time the resolved settings change; lets hot paths cache derived values. */
export function settingsGeneration(): number {
  return generation;
}

/**
 * Overrides settings from code, on top of the file and the environment.
 * Later calls layer over earlier ones. Throws {@link FlowceptSettingsError}
 * for a value of the wrong type.
 */
export function configure(overrides: SettingsOverrides): FlowceptSettings {
  mergeSettings(defaultSettings(), overrides, "configure()"); // validate before keeping it
  programmatic.push(structuredClone(overrides));
  cached = undefined;
  generation++;
  warned = false;
  return getSettingsSafe();
}

/** Drops programmatic overrides and the cache, so the next read starts afresh. */
export function resetSettings(): void {
  programmatic = [];
  cached = undefined;
  warned = false;
  generation++;
}
