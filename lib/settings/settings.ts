/**
 * Flowcept settings: the keys of Flowcept's `settings.yaml` where they apply
 * to this package, with defaults that work with no file at all.
 *
 * This module is pure: it merges and validates plain objects. Finding and
 * reading the file and the environment happens in `settings-loader.ts`.
 */
import { closest, distance } from "fastest-levenshtein";

/** GPU metrics Flowcept knows for NVIDIA devices. */
export type GpuMetric = "used" | "temperature" | "power" | "name" | "id" | string;

/** What `flowceptModel` captures (Flowcept's `instrumentation.torch` keys). */
export interface ModelInstrumentationSettings {
  /** `parent_only` (one task per predict/execute call), `parent_and_children` (also one per layer), or null (none). */
  what: "parent_only" | "parent_and_children" | null;
  /** Per-layer tasks: `lightweight`, `tensor_inspection`, `telemetry`, `telemetry_and_tensor_inspection`. */
  children_mode: "lightweight" | "tensor_inspection" | "telemetry" | "telemetry_and_tensor_inspection";
  /** Epochs of `fit`: `default` (a FlowceptLoop), `lightweight` (a FlowceptLightweightLoop) or null (not recorded). */
  epoch_loop: "default" | "lightweight" | null;
  /** Batches of each recorded epoch, as for `epoch_loop`. */
  batch_loop: "default" | "lightweight" | null;
  /** Record every N-th epoch (and the forward calls made during it). */
  capture_epochs_at_every: number;
  /** Record the model as a workflow of its own (child of the enclosing workflow). */
  register_workflow: boolean;
}

/** Resolved settings. */
export interface FlowceptSettings {
  project: {
    debug: boolean;
    /** Replace values that are not JSON-serialisable (always on: capture never throws). */
    replace_non_json_serializable: boolean;
    /** Size cap, in bytes of JSON text, for one captured value (`used`, `generated`, …). */
    max_value_bytes: number;
    /** Longest string kept as is; longer strings are cut with a marker. */
    max_string_length: number;
    /** Deepest nesting kept; deeper values are replaced with a marker. */
    max_depth: number;
    dump_buffer: {
      enabled: boolean;
      path: string;
      append_id_to_path: boolean;
      append_workflow_id_to_path: boolean;
      delete_previous_file: boolean;
    };
  };
  instrumentation: {
    enabled: boolean;
    /**
     * Library instrumentations `flowcept-otel/register` enables (`mcp`,
     * `tfjs`, `piscina`), besides those named in `FLOWCEPT_INSTRUMENTATIONS`.
     */
    auto: string[];
    /** ML model capture (Flowcept's `instrumentation.torch` block, for TF.js models). */
    model: ModelInstrumentationSettings;
    [key: string]: unknown;
  };
  telemetry_capture: {
    gpu: GpuMetric[] | null;
    cpu: boolean;
    per_cpu: boolean;
    process_info: boolean;
    mem: boolean;
    disk: boolean;
    network: boolean;
    machine_info: boolean;
    /** Background refresh interval of the telemetry sampler, in milliseconds. */
    interval_ms: number;
  };
  databases: {
    mongodb: {
      enabled: boolean;
      uri: string | null;
      host: string;
      port: number;
      db: string;
      create_collection_index: boolean;
    };
  };
  db_buffer: {
    insertion_buffer_time_secs: number;
    buffer_size: number;
    remove_empty_fields: boolean;
    stop_max_trials: number;
    stop_trials_sleep: number;
    spill_dir: string;
  };
  sys_metadata: {
    environment_id: string | null;
    [key: string]: unknown;
  };
  experiment: {
    user: string | null;
  };
  extra_metadata: Record<string, unknown>;
  /** Extends the built-in redaction rule (see `records/redact.ts` and the README). */
  redaction: {
    /** Regular expressions (case-insensitive): keys, parameters and variables whose names match are secret. */
    key_patterns: string[];
    /** Regular expressions: their matches are hidden in every recorded string. */
    value_patterns: string[];
  };
  adapters: Record<string, Record<string, unknown>>;
  /**
   * Where Flowcept's own messages go when the application installed no OTel
   * `diag` logger (Flowcept's `log` block). Levels: `error`, `warning`
   * (`warn`), `info`, `debug`, `verbose`, `all`, or `disable`;
   * `OTEL_LOG_LEVEL` overrides `log_stream_level`.
   */
  log: {
    /** Log file; `default` is `flowcept.log` in the working directory. */
    log_path: string;
    /** Lowest level written to stderr. */
    log_stream_level: string;
    /** Lowest level written to the log file (`disable`: no file). */
    log_file_level: string;
  };
  /** How task spans look on the trace path (Jaeger, Tempo, any OTLP backend). */
  otel: {
    /**
     * Size cap, in UTF-8 bytes, of the OpenInference-style mirrors of `used`
     * and `generated` on task spans (`input.value`, `output.value`); longer
     * values are cut, with a marker. 0 turns the mirrors off.
     */
    io_max_bytes: number;
    /**
     * Longest wait, in milliseconds, for the trace path (OTLP export) when
     * the process ends; spans still unsent then are counted in one warning.
     * The provenance records do not depend on it.
     */
    exit_timeout_ms: number;
  };
  [key: string]: unknown;
}

/** A deep partial of {@link FlowceptSettings}, as accepted by `configure()`. */
export type SettingsOverrides = {
  [K in keyof FlowceptSettings]?: FlowceptSettings[K] extends Record<string, unknown>
    ? { [J in keyof FlowceptSettings[K]]?: FlowceptSettings[K][J] extends Record<string, unknown> ? Partial<FlowceptSettings[K][J]> : FlowceptSettings[K][J] }
    : FlowceptSettings[K];
};

/** Defaults used when a key is absent. */
export function defaultSettings(): FlowceptSettings {
  return {
    project: {
      debug: false,
      replace_non_json_serializable: true,
      max_value_bytes: 64 * 1024,
      max_string_length: 16 * 1024,
      max_depth: 32,
      dump_buffer: {
        enabled: true,
        path: "flowcept_buffer.jsonl",
        append_id_to_path: false,
        append_workflow_id_to_path: false,
        delete_previous_file: false,
      },
    },
    instrumentation: {
      enabled: true,
      auto: [],
      model: {
        what: "parent_only",
        children_mode: "tensor_inspection",
        epoch_loop: "default",
        batch_loop: null,
        capture_epochs_at_every: 1,
        register_workflow: true,
      },
    },
    telemetry_capture: {
      gpu: null,
      cpu: false,
      per_cpu: false,
      process_info: false,
      mem: false,
      disk: false,
      network: false,
      machine_info: false,
      interval_ms: 1000,
    },
    databases: {
      mongodb: {
        enabled: false,
        uri: null,
        host: "localhost",
        port: 27017,
        db: "flowcept",
        create_collection_index: true,
      },
    },
    db_buffer: {
      insertion_buffer_time_secs: 1,
      buffer_size: 512,
      remove_empty_fields: false,
      stop_max_trials: 300,
      stop_trials_sleep: 0.1,
      spill_dir: "flowcept_spill",
    },
    sys_metadata: { environment_id: null },
    experiment: { user: null },
    extra_metadata: {},
    redaction: { key_patterns: [], value_patterns: [] },
    adapters: {},
    log: { log_path: "default", log_stream_level: "warning", log_file_level: "disable" },
    otel: { io_max_bytes: 8192, exit_timeout_ms: 1000 },
  };
}

/** Thrown for a settings file that cannot be used; names the file and the key. */
export class FlowceptSettingsError extends Error {
  constructor(
    message: string,
    readonly source: string,
    readonly key?: string,
  ) {
    super(`${source}${key ? ` (key "${key}")` : ""}: ${message}`);
    this.name = "FlowceptSettingsError";
  }
}

function kindOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "list";
  if (typeof v === "object") return "mapping";
  return typeof v;
}

/** Keys whose default is null but which accept a value of the given kinds. */
const NULLABLE_KINDS: Record<string, string[]> = {
  "telemetry_capture.gpu": ["list"],
  "databases.mongodb.uri": ["string"],
  "sys_metadata.environment_id": ["string"],
  "experiment.user": ["string"],
  "instrumentation.model.batch_loop": ["string"],
};

/** Keys with a non-null default that also accept null (YAML `~`), meaning "off". */
const NULL_MEANS_OFF = new Set(["instrumentation.model.what", "instrumentation.model.epoch_loop"]);

/** Log levels of the `log` block (Flowcept's names and OTel's). */
export const LOG_LEVELS = ["disable", "none", "critical", "error", "warning", "warn", "info", "debug", "verbose", "all"] as const;

/** Mappings whose content is free-form (checked only for being mappings). */
const FREE_FORM = new Set(["extra_metadata", "adapters", "sys_metadata"]);

/**
 * Keys of Flowcept's own `settings.yaml` that this package does not use: a
 * Flowcept file is accepted as it is, silently. A listed key covers
 * everything under it.
 */
const FLOWCEPT_ONLY_KEYS = new Set([
  "flowcept_version",
  "mq",
  "kv_db",
  "web_server",
  "analytics",
  "agent",
  "project.json_serializer",
  "project.performance_logging",
  "project.enrich_messages",
  "project.db_flush_mode",
  "project.dump_buffer_path",
  "instrumentation.torch",
  "databases.lmdb",
  "databases.mongodb.bin",
  "databases.mongodb.db_path",
  "databases.mongodb.log_path",
  "databases.mongodb.lock_file_path",
]);

/** What a number must be: `min` (inclusive) and `integer` make a value unusable; below `warnBelow` it works badly. */
interface NumberRule {
  min: number;
  integer?: boolean;
  warnBelow?: { value: number; why: string };
}

const POSITIVE_INT: NumberRule = { min: 1, integer: true };

/** Ranges of the numeric keys. */
const NUMBER_RULES: Record<string, NumberRule> = {
  "project.max_value_bytes": { min: 1, integer: true, warnBelow: { value: 1024, why: "most values will be only a truncation marker" } },
  "project.max_string_length": POSITIVE_INT,
  "project.max_depth": POSITIVE_INT,
  "telemetry_capture.interval_ms": { min: 1, warnBelow: { value: 50, why: "the sampler refreshes at most every 50 ms" } },
  "instrumentation.model.capture_epochs_at_every": POSITIVE_INT,
  "databases.mongodb.port": { min: 1, integer: true },
  "db_buffer.insertion_buffer_time_secs": { min: 0 },
  "db_buffer.buffer_size": POSITIVE_INT,
  "db_buffer.stop_max_trials": { min: 0, integer: true },
  "db_buffer.stop_trials_sleep": { min: 0 },
  "otel.io_max_bytes": { min: 0, integer: true },
};

/** Keys with a fixed set of string values. */
const CHOICES: Record<string, readonly string[]> = {
  "instrumentation.model.what": ["parent_only", "parent_and_children"],
  "instrumentation.model.children_mode": ["lightweight", "tensor_inspection", "telemetry", "telemetry_and_tensor_inspection"],
  "instrumentation.model.epoch_loop": ["default", "lightweight"],
  "instrumentation.model.batch_loop": ["default", "lightweight"],
  "log.log_stream_level": LOG_LEVELS,
  "log.log_file_level": LOG_LEVELS,
};

function flowceptOnly(path: string): boolean {
  for (let i = path.indexOf("."); ; i = path.indexOf(".", i + 1)) {
    if (FLOWCEPT_ONLY_KEYS.has(i === -1 ? path : path.slice(0, i))) return true;
    if (i === -1) return false;
  }
}

/** The warning for a key this package does not know, naming the closest known key. */
function unknownKeyWarning(source: string, path: string, key: string, known: string[]): string {
  const prefix = path.slice(0, path.length - key.length);
  const near = known.length ? closest(key, known) : undefined;
  const hint = near !== undefined && distance(key, near) <= Math.max(2, Math.ceil(key.length / 3)) ? `did you mean "${prefix}${near}"?` : `the closest known key is "${prefix}${near}"`;
  return `${source}: unknown settings key "${path}" has no effect (${near === undefined ? "no keys are known here" : hint})`;
}

function checkNumber(path: string, value: number, source: string, warnings: string[] | undefined): void {
  const rule = NUMBER_RULES[path];
  if (rule === undefined) return;
  if (value < rule.min || (rule.integer && !Number.isInteger(value))) {
    const what = rule.integer ? (rule.min === 1 ? "a positive integer" : `an integer ≥ ${rule.min}`) : rule.min === 0 ? "a number ≥ 0" : `a number ≥ ${rule.min}`;
    throw new FlowceptSettingsError(`expected ${what}, found ${value}`, source, path);
  }
  if (rule.warnBelow && value < rule.warnBelow.value) warnings?.push(`${source}: settings key "${path}" is ${value}, below ${rule.warnBelow.value}: ${rule.warnBelow.why}`);
}

/**
 * Deep-merges `overrides` into `base`, checking each known key's type and
 * range against the defaults. A value that cannot work (wrong type, a
 * negative size, a zero interval) throws {@link FlowceptSettingsError}.
 * Keys this package does not know are kept; each one (other than the keys of
 * Flowcept's own settings file that this package does not use) adds a
 * warning to `warnings` naming the closest known key, as does a value that
 * works badly. Returns a new object.
 */
export function mergeSettings(base: FlowceptSettings, overrides: unknown, source: string, warnings?: string[]): FlowceptSettings {
  if (overrides === undefined || overrides === null) return structuredClone(base);
  if (kindOf(overrides) !== "mapping") {
    throw new FlowceptSettingsError(`expected a mapping at the top level, found ${kindOf(overrides)}`, source);
  }
  const defaults = defaultSettings() as unknown as Record<string, unknown>;
  const out = structuredClone(base) as unknown as Record<string, unknown>;
  mergeInto(out, overrides as Record<string, unknown>, defaults, "", source, warnings);
  return out as unknown as FlowceptSettings;
}

function mergeInto(
  target: Record<string, unknown>,
  src: Record<string, unknown>,
  defaults: Record<string, unknown> | undefined,
  prefix: string,
  source: string,
  warnings: string[] | undefined,
): void {
  for (const [key, value] of Object.entries(src)) {
    const path = prefix ? `${prefix}.${key}` : key;
    const def = defaults === undefined || !Object.hasOwn(defaults, key) ? undefined : defaults[key];
    if (value === undefined) continue;
    if (def === undefined) {
      // Unknown key (or inside a free-form block): keep it as given.
      if (defaults !== undefined && !FREE_FORM.has(prefix) && !flowceptOnly(path)) warnings?.push(unknownKeyWarning(source, path, key, Object.keys(defaults)));
      if (key !== "__proto__") target[key] = structuredClone(value);
      continue;
    }
    const want = kindOf(def);
    const got = kindOf(value);
    if (want === "mapping") {
      if (got === "null") continue; // an empty YAML block means "use the defaults"
      if (got !== "mapping") throw new FlowceptSettingsError(`expected a mapping, found ${got}`, source, path);
      const cur = (kindOf(target[key]) === "mapping" ? target[key] : {}) as Record<string, unknown>;
      target[key] = cur;
      mergeInto(cur, value as Record<string, unknown>, def as Record<string, unknown>, path, source, warnings);
      continue;
    }
    if (want === "null") {
      const allowed = NULLABLE_KINDS[path];
      if (got !== "null" && allowed && !allowed.includes(got)) {
        throw new FlowceptSettingsError(`expected ${allowed.join(" or ")} or null, found ${got}`, source, path);
      }
      checkChoice(path, value, source);
      target[key] = structuredClone(value);
      continue;
    }
    if (got === "null" && NULL_MEANS_OFF.has(path)) {
      target[key] = null;
      continue;
    }
    if (want === "number" && got === "number" && !Number.isFinite(value as number)) {
      throw new FlowceptSettingsError("expected a finite number", source, path);
    }
    if (want !== got) {
      throw new FlowceptSettingsError(`expected ${want}, found ${got} (${JSON.stringify(value)})`, source, path);
    }
    if (got === "number") checkNumber(path, value as number, source, warnings);
    checkChoice(path, value, source);
    target[key] = structuredClone(value);
  }
}

function checkChoice(path: string, value: unknown, source: string): void {
  const choices = CHOICES[path];
  // Log levels are case-insensitive, as in Flowcept's files (`DEBUG`, `warning`).
  const v = path.startsWith("log.") && typeof value === "string" ? value.toLowerCase() : value;
  if (choices !== undefined && v !== null && !choices.includes(v as string)) {
    throw new FlowceptSettingsError(`expected one of ${choices.join(", ")}, found ${JSON.stringify(value)}`, source, path);
  }
}
