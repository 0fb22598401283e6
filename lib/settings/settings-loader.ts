/**
 * Finds and reads settings: `FLOWCEPT_SETTINGS_PATH`, else
 * `~/.flowcept/settings.yaml`, else defaults; then `FLOWCEPT_*` environment
 * variables; then anything given to {@link configure}. The pure merge and
 * validation live in `settings.ts`.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
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
import { configureRedaction } from "../records/redact.js";

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

/** Larger than any settings file: Flowcept's full sample is a few KiB. */
const MAX_SETTINGS_BYTES = 1024 * 1024;

/**
 * Reads and validates one settings file. Throws {@link FlowceptSettingsError};
 * unknown keys and values that work badly add a line to `warnings`.
 */
export function readSettingsFile(path: string, base: FlowceptSettings = defaultSettings(), warnings?: string[]): FlowceptSettings {
  let text: string;
  try {
    // A device or a FIFO would be read forever, a big file (a store named by mistake) read whole.
    const st = statSync(path);
    if (!st.isFile()) throw new FlowceptSettingsError("cannot read settings file: it is not a regular file", path);
    if (st.size > MAX_SETTINGS_BYTES) throw new FlowceptSettingsError(`cannot read settings file: it is larger than 1 MiB (${st.size} bytes)`, path);
    text = readFileSync(path, "utf8");
  } catch (err) {
    if (err instanceof FlowceptSettingsError) throw err;
    throw new FlowceptSettingsError(`cannot read settings file: ${errorMessage(err)}`, path);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text, { prettyErrors: true });
  } catch (err) {
    const msg = err instanceof YAMLParseError ? err.message : String(err);
    throw new FlowceptSettingsError(`invalid YAML: ${msg}`, path);
  }
  return mergeSettings(base, doc, path, warnings);
}

function envOverrides(): SettingsOverrides {
  const out: Record<string, any> = {};
  const uri = process.env.FLOWCEPT_MONGO_URI;
  if (uri) out.databases = { mongodb: { enabled: true, uri } };
  const enabled = process.env.FLOWCEPT_INSTRUMENTATION_ENABLED;
  if (enabled !== undefined) out.instrumentation = { enabled: !/^(0|false|no|off)$/i.test(enabled) };
  return out as SettingsOverrides;
}

/** The last failed read, kept so that every later read reports the same error until something changes. */
let failure: { env: string | undefined; error: unknown; fallback?: FlowceptSettings } | undefined;

/**
 * The resolved settings, re-read when `FLOWCEPT_SETTINGS_PATH` changed since
 * the last read. Throws {@link FlowceptSettingsError} when the settings file
 * is invalid — every time, also after capture paths fell back to defaults.
 * Unknown keys and values that work badly are reported once per read
 * through `diag.warn`.
 */
export function getSettings(): FlowceptSettings {
  const envPath = process.env.FLOWCEPT_SETTINGS_PATH;
  if (cached && cachedEnv === envPath) return cached;
  if (failure && failure.env === envPath) throw failure.error;
  const warnings: string[] = [];
  let s: FlowceptSettings;
  try {
    const path = settingsFilePath();
    s = path ? readSettingsFile(path, defaultSettings(), warnings) : defaultSettings();
    s = mergeSettings(s, envOverrides(), "environment", warnings);
    for (const o of programmatic) s = mergeSettings(s, o, "configure()");
    applyRedaction(s, path ?? "configure()");
  } catch (err) {
    failure = { env: envPath, error: err };
    throw err;
  }
  for (const w of warnings) diag.warn(`flowcept: ${w}`);
  failure = undefined;
  cached = s;
  cachedEnv = envPath;
  generation++;
  return s;
}

/** Makes the settings' extra redaction patterns the ones in force. Throws {@link FlowceptSettingsError} for an invalid pattern. */
function applyRedaction(s: FlowceptSettings, source: string): void {
  const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);
  try {
    configureRedaction({ keyPatterns: list(s.redaction?.key_patterns), valuePatterns: list(s.redaction?.value_patterns) });
  } catch (err) {
    configureRedaction({});
    throw new FlowceptSettingsError(errorMessage(err), source, "redaction");
  }
}

/**
 * The resolved settings, or — when the settings file is invalid — the
 * defaults with `configure()` overrides (the error is logged once through
 * `diag`). Used on capture paths, which never throw. The defaults are never
 * taken for the file's settings: {@link getSettings} (and so `start()`)
 * still reports the error.
 */
export function getSettingsSafe(): FlowceptSettings {
  try {
    return getSettings();
  } catch (err) {
    const f = failure!;
    if (f.fallback === undefined) {
      diag.error(`flowcept: ${errorMessage(err)}; capture uses default settings until the file is fixed`);
      let s = defaultSettings();
      for (const o of programmatic) s = mergeSettings(s, o, "configure()");
      try {
        applyRedaction(s, "configure()");
      } catch (e) {
        diag.error(`flowcept: ${errorMessage(e)}`);
      }
      f.fallback = s;
      generation++;
    }
    return f.fallback;
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
  const warnings: string[] = [];
  mergeSettings(defaultSettings(), overrides, "configure()", warnings); // validate before keeping it
  for (const w of warnings) diag.warn(`flowcept: ${w}`);
  programmatic.push(structuredClone(overrides));
  cached = undefined;
  failure = undefined;
  generation++;
  return getSettingsSafe();
}

/** Drops programmatic overrides and the cache, so the next read starts afresh. */
export function resetSettings(): void {
  programmatic = [];
  cached = undefined;
  failure = undefined;
  generation++;
}
