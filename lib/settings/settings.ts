/**
 * Flowcept settings: the keys of Flowcept's `settings.yaml` where they apply
 * to this package, with defaults that work with no file at all.
 *
 * This module is pure: it merges and validates plain objects. Finding and
 * reading the file and the environment happens in `settings-loader.ts`.
 */

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

/** Keys whose string value must be one of a list. */
const ONE_OF: Record<string, readonly string[]> = {
  "log.log_stream_level": LOG_LEVELS,
  "log.log_file_level": LOG_LEVELS,
};

/** Mappings whose content is free-form (checked only for being mappings). */
const FREE_FORM = new Set(["extra_metadata", "adapters", "instrumentation", "sys_metadata"]);

/**
 * Deep-merges `overrides` into `base`, checking each known key's type against
 * the default. Unknown keys are kept (Flowcept files carry many keys this
 * package does not use). Returns a new object.
 */
export function mergeSettings(base: FlowceptSettings, overrides: unknown, source: string): FlowceptSettings {
  if (overrides === undefined || overrides === null) return structuredClone(base);
  if (kindOf(overrides) !== "mapping") {
    throw new FlowceptSettingsError(`expected a mapping at the top level, found ${kindOf(overrides)}`, source);
  }
  const defaults = defaultSettings() as unknown as Record<string, unknown>;
  const out = structuredClone(base) as unknown as Record<string, unknown>;
  mergeInto(out, overrides as Record<string, unknown>, defaults, "", source);
  return out as unknown as FlowceptSettings;
}

function mergeInto(
  target: Record<string, unknown>,
  src: Record<string, unknown>,
  defaults: Record<string, unknown> | undefined,
  prefix: string,
  source: string,
): void {
  for (const [key, value] of Object.entries(src)) {
    const path = prefix ? `${prefix}.${key}` : key;
    const def = defaults?.[key];
    if (value === undefined) continue;
    if (def === undefined) {
      // Unknown key (or inside a free-form block): keep it as given.
      target[key] = structuredClone(value);
      continue;
    }
    const want = kindOf(def);
    const got = kindOf(value);
    if (want === "mapping") {
      if (got === "null") continue; // an empty YAML block means "use the defaults"
      if (got !== "mapping") throw new FlowceptSettingsError(`expected a mapping, found ${got}`, source, path);
      const cur = (kindOf(target[key]) === "mapping" ? target[key] : {}) as Record<string, unknown>;
      target[key] = cur;
      mergeInto(cur, value as Record<string, unknown>, FREE_FORM.has(path) ? pickKnown(def) : (def as Record<string, unknown>), path, source);
      continue;
    }
    if (want === "null") {
      const allowed = NULLABLE_KINDS[path];
      if (got !== "null" && allowed && !allowed.includes(got)) {
        throw new FlowceptSettingsError(`expected ${allowed.join(" or ")} or null, found ${got}`, source, path);
      }
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
    const oneOf = ONE_OF[path];
    if (oneOf && !oneOf.includes((value as string).toLowerCase())) {
      throw new FlowceptSettingsError(`expected one of ${oneOf.join(", ")}, found ${JSON.stringify(value)}`, source, path);
    }
    target[key] = structuredClone(value);
  }
}

function pickKnown(def: unknown): Record<string, unknown> {
  return (kindOf(def) === "mapping" ? def : {}) as Record<string, unknown>;
}
