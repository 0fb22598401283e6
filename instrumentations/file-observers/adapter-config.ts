/**
 * Adapter settings: the `adapters:` block of settings.yaml, with Flowcept's
 * keys (`kind`, `file_path`, `log_tags`, `log_metrics`, `log_params`,
 * `watch_interval_sec`) plus this package's `series_tags` and `state_file`.
 *
 * This module is pure: it fills defaults and checks types. Reading the
 * settings file happens in `lib/settings-loader.ts`.
 */
import { getSettingsSafe } from "../../lib/settings/settings-loader.js";
import { FlowceptSettingsError, type FlowceptSettings } from "../../lib/settings/settings.js";

/** The data observability adapters this package has. */
export type AdapterKind = "tensorboard" | "mlflow";

/** The kinds accepted by {@link createAdapter}. */
export const ADAPTER_KINDS: readonly AdapterKind[] = ["tensorboard", "mlflow"];

/** The value categories of a TensorBoard run, as Flowcept (through tbparse) names them. */
export type TensorBoardLogTag = "scalars" | "tensors" | "hparams";

/** Resolved settings of one adapter. */
export interface AdapterConfig {
  kind: AdapterKind;
  /** TensorBoard logdir; MLflow `mlflow.db` (or `sqlite:///…` URI) or `mlruns/` directory. */
  file_path: string;
  /**
   * TensorBoard only: which categories are read. `scalars` = legacy
   * `simple_value` summaries, `tensors` = TF2 tensor summaries, `hparams` =
   * the hparams plugin's session start info (becomes `used`).
   */
  log_tags: TensorBoardLogTag[];
  /** Metric names (or `*` globs) kept in `generated`. `["*"]` keeps all. */
  log_metrics: string[];
  /** MLflow only: parameter names (or `*` globs) kept in `used`. */
  log_params: string[];
  /** Seconds between two scans while watching. */
  watch_interval_sec: number;
  /**
   * TensorBoard only: tags whose every step is recorded in
   * `custom_metadata.series` (`["*"]` for all). Empty by default.
   */
  series_tags: string[];
  /**
   * Where the adapter remembers what it already read and emitted, so that a
   * restart does not emit again. A path; `false` keeps state in memory only;
   * absent: a file named after the watched path in the state directory.
   */
  state_file?: string | false | undefined;
}

const LOG_TAGS: readonly TensorBoardLogTag[] = ["scalars", "tensors", "hparams"];

/**
 * Defaults per kind. They follow Flowcept's, except TensorBoard's
 * `log_metrics`: Flowcept's `["accuracy"]` would leave out every run that
 * names its metric otherwise, so all metrics are kept unless filtered.
 */
export function defaultAdapterConfig(kind: AdapterKind): AdapterConfig {
  if (kind === "tensorboard") {
    return {
      kind,
      file_path: "tensorboard_events",
      log_tags: ["scalars", "hparams", "tensors"],
      log_metrics: ["*"],
      log_params: ["*"],
      watch_interval_sec: 5,
      series_tags: [],
    };
  }
  return {
    kind,
    file_path: "mlflow.db",
    log_tags: [],
    log_metrics: ["*"],
    log_params: ["*"],
    watch_interval_sec: 1,
    series_tags: [],
  };
}

function stringList(value: unknown, source: string, key: string): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value) && value.every((v) => typeof v === "string")) return [...value];
  throw new FlowceptSettingsError(`expected a list of strings, found ${JSON.stringify(value)}`, source, key);
}

/**
 * Fills defaults into a raw adapter block and checks every known key. Unknown
 * keys are ignored (Flowcept files carry keys for other adapters). Throws
 * {@link FlowceptSettingsError} naming the key for a value of the wrong type.
 */
export function resolveAdapterConfig(kind: AdapterKind, raw: unknown = {}, source = `adapters.${kind}`): AdapterConfig {
  if (!ADAPTER_KINDS.includes(kind)) {
    throw new FlowceptSettingsError(`unknown adapter kind ${JSON.stringify(kind)} (expected ${ADAPTER_KINDS.join(" or ")})`, source, "kind");
  }
  if (raw === null || raw === undefined) raw = {};
  if (typeof raw !== "object" || Array.isArray(raw)) {
    throw new FlowceptSettingsError(`expected a mapping, found ${JSON.stringify(raw)}`, source);
  }
  const r = raw as Record<string, unknown>;
  const out = defaultAdapterConfig(kind);
  if (r.kind !== undefined && r.kind !== kind) {
    throw new FlowceptSettingsError(`this block is for ${JSON.stringify(r.kind)}, not ${JSON.stringify(kind)}`, source, "kind");
  }
  if (r.file_path !== undefined) {
    if (typeof r.file_path !== "string" || r.file_path === "") {
      throw new FlowceptSettingsError(`expected a non-empty path, found ${JSON.stringify(r.file_path)}`, source, "file_path");
    }
    out.file_path = r.file_path;
  }
  if (r.log_tags !== undefined) {
    const tags = stringList(r.log_tags, source, "log_tags");
    const bad = tags.filter((t) => !LOG_TAGS.includes(t as TensorBoardLogTag));
    if (bad.length) {
      throw new FlowceptSettingsError(`unknown categories ${JSON.stringify(bad)} (expected ${LOG_TAGS.join(", ")})`, source, "log_tags");
    }
    out.log_tags = tags as TensorBoardLogTag[];
  }
  if (r.log_metrics !== undefined) out.log_metrics = stringList(r.log_metrics, source, "log_metrics");
  if (r.log_params !== undefined) out.log_params = stringList(r.log_params, source, "log_params");
  if (r.series_tags !== undefined) out.series_tags = stringList(r.series_tags, source, "series_tags");
  if (r.watch_interval_sec !== undefined) {
    const v = r.watch_interval_sec;
    if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) {
      throw new FlowceptSettingsError(`expected a positive number of seconds, found ${JSON.stringify(v)}`, source, "watch_interval_sec");
    }
    out.watch_interval_sec = v;
  }
  if (r.state_file !== undefined && r.state_file !== null) {
    if (r.state_file !== false && (typeof r.state_file !== "string" || r.state_file === "")) {
      throw new FlowceptSettingsError(`expected a path or false, found ${JSON.stringify(r.state_file)}`, source, "state_file");
    }
    out.state_file = r.state_file;
  }
  return out;
}

/**
 * The adapter block named `name` in settings (Flowcept allows several blocks
 * of one kind, e.g. `mlflow1`, `mlflow2`), or else the first block whose
 * `kind` is `name`; resolved with defaults. `undefined` when there is none.
 */
export function adapterConfigFromSettings(name: string, settings: FlowceptSettings = getSettingsSafe()): AdapterConfig | undefined {
  const blocks = settings.adapters ?? {};
  let key: string | undefined = Object.hasOwn(blocks, name) ? name : undefined;
  key ??= Object.keys(blocks).find((k) => (blocks[k] as Record<string, unknown> | null)?.kind === name);
  if (key === undefined) return undefined;
  const block = (blocks[key] ?? {}) as Record<string, unknown>;
  const kind = (block.kind ?? key) as AdapterKind;
  return resolveAdapterConfig(kind, block, `adapters.${key}`);
}
