/**
 * Reads an MLflow file store (`mlruns/`): `<experiment>/meta.yaml`,
 * `<experiment>/<run>/meta.yaml` (numeric status codes) and the run's
 * `params/`, `metrics/` and `tags/` files, one file per key (keys with `/`
 * are subdirectories). Other files (`*.org` copies, artifacts) are ignored.
 */
import type { Dirent } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { diag } from "@opentelemetry/api";
import { parse as parseYaml } from "yaml";
import { listDirQuiet, statSignature } from "../fs-probe.js";
import { isLaterMetric, type MlflowMetric, type MlflowRun } from "./mlflow-run.js";
import { isTerminalMlflowStatus, mlflowStatusName } from "./mlflow-status.js";
import { errorMessage } from "../../../lib/util/error-message.js";

/** An experiment directory. */
export interface FileStoreExperiment {
  experiment_id: string;
  name?: string;
  lifecycle_stage?: string;
  dir: string;
}

/** A run directory found in the store. */
export interface FileStoreRunDir {
  run_id: string;
  dir: string;
  experiment: FileStoreExperiment;
}

const RUN_PARTS = ["params", "metrics", "tags"] as const;

function listDir(dir: string): Dirent[] {
  return listDirQuiet(dir) ?? [];
}

async function readYaml(path: string): Promise<Record<string, unknown> | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    return undefined;
  }
  const doc = parseYaml(text) as unknown;
  return doc && typeof doc === "object" && !Array.isArray(doc) ? (doc as Record<string, unknown>) : undefined;
}

function str(v: unknown): string | undefined {
  if (v === null || v === undefined || v === "") return undefined;
  return String(v);
}

function num(v: unknown): number | undefined {
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

/** Parsed experiment `meta.yaml` files by path, with the size and time they had, so unchanged ones are not parsed again. */
export type ExperimentCache = Map<string, { signature: string; experiment: FileStoreExperiment | undefined }>;

/**
 * Lists the candidate runs of the store at `root`: the subdirectories of
 * each experiment directory (one with a readable `meta.yaml`). Whether a
 * candidate is a run (has its own `meta.yaml`) is left to
 * {@link runDirSignature}, which looks at that file anyway. Directories that
 * are not experiments (`.trash`, `models`) are passed over; so, with a
 * warning, is an experiment whose `meta.yaml` is not valid YAML.
 */
export async function listFileStoreRuns(root: string, cache: ExperimentCache = new Map()): Promise<FileStoreRunDir[]> {
  const out: FileStoreRunDir[] = [];
  const expDirs = listDir(root).filter((e) => e.isDirectory() && !e.name.startsWith(".")).map((e) => e.name).sort();
  for (const name of expDirs) {
    const dir = join(root, name);
    const metaPath = join(dir, "meta.yaml");
    const signature = statSignature(metaPath);
    let cached = cache.get(metaPath);
    if (!cached || cached.signature !== signature) {
      let meta: Record<string, unknown> | undefined;
      try {
        meta = signature === undefined ? undefined : await readYaml(metaPath);
      } catch (err) {
        diag.warn(`flowcept mlflow adapter: ${metaPath} is not valid YAML (${errorMessage(err)}); its runs are left out until it changes`);
      }
      const experiment =
        meta && meta.experiment_id !== undefined
          ? { experiment_id: String(meta.experiment_id), name: str(meta.name), lifecycle_stage: str(meta.lifecycle_stage), dir }
          : undefined;
      cached = { signature: signature ?? "-", experiment };
      cache.set(metaPath, cached);
    }
    const experiment = cached.experiment;
    if (!experiment) continue;
    const runDirs = listDir(dir).filter((e) => e.isDirectory()).map((e) => e.name).sort();
    for (const run of runDirs) out.push({ run_id: run, dir: join(dir, run), experiment });
  }
  return out;
}

/** Files of one part (`params`, `metrics`, `tags`) of a run, keyed by MLflow key. */
function partFiles(dir: string, prefix = ""): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const e of listDir(dir)) {
    const path = join(dir, e.name);
    if (e.isDirectory()) out.push(...partFiles(path, `${prefix}${e.name}/`));
    else if (e.isFile()) out.push([`${prefix}${e.name}`, path]);
  }
  return out;
}

/**
 * A cheap fingerprint of a run directory, to skip runs that did not change;
 * `undefined` when it has no `meta.yaml` (not a run). `deep` also covers
 * every file's size and time (metric files grow in place while a run is
 * going); otherwise only `meta.yaml` and the part directories (a new key
 * adds a file) are looked at.
 */
export function runDirSignature(runDir: string, deep: boolean): string | undefined {
  const meta = statSignature(join(runDir, "meta.yaml"));
  if (meta === undefined) return undefined;
  const parts: string[] = [meta];
  for (const part of RUN_PARTS) {
    parts.push(statSignature(join(runDir, part)) ?? "-");
    if (deep) {
      for (const [key, path] of partFiles(join(runDir, part))) parts.push(key, statSignature(path) ?? "-");
    }
  }
  return parts.join("|");
}

/** A float as Python writes it (`nan`, `inf`, `-inf` included); `undefined` for anything else. */
function pythonFloat(text: string): number | undefined {
  const special = /^([-+]?)(nan|inf|infinity)$/i.exec(text);
  if (special) return special[2]!.toLowerCase() === "nan" ? NaN : special[1] === "-" ? -Infinity : Infinity;
  const v = Number(text);
  return Number.isNaN(v) ? undefined : v;
}

/** Parses a metric file: one `timestamp value [step]` line per logged value. */
export function parseMetricLines(text: string, includeUnterminated: boolean): { latest?: MlflowMetric; lines: number } {
  let latest: MlflowMetric | undefined;
  let lines = 0;
  const all = text.split("\n");
  // A last line with no newline may be mid-write while the run is going.
  if (!includeUnterminated || all[all.length - 1] === "") all.pop();
  for (const line of all) {
    const f = line.trim().split(/\s+/);
    if (f.length < 2 || f[0] === "") continue;
    const timestamp = Number(f[0]);
    const value = pythonFloat(f[1]!);
    const step = f.length > 2 ? Number(f[2]) : 0;
    if (!Number.isFinite(timestamp) || !Number.isFinite(step) || value === undefined) continue;
    const m = { value, step, timestamp };
    lines++;
    if (!latest || isLaterMetric(latest, m)) latest = m;
  }
  return { latest, lines };
}

/** What {@link readFileStoreRun} read. */
export interface FileStoreRunContents {
  run: MlflowRun;
  /** Paths of the files read. */
  files: string[];
  bytes: number;
}

/** Reads one run. Rejects when its `meta.yaml` cannot be read or parsed. */
export async function readFileStoreRun(entry: FileStoreRunDir): Promise<FileStoreRunContents> {
  const metaPath = join(entry.dir, "meta.yaml");
  const metaText = await readFile(metaPath, "utf8");
  const meta = (parseYaml(metaText) ?? {}) as Record<string, unknown>;
  const files = [metaPath];
  let bytes = Buffer.byteLength(metaText);
  const status = mlflowStatusName(meta.status);
  const run: MlflowRun = {
    run_id: str(meta.run_id) ?? str(meta.run_uuid) ?? entry.run_id,
    experiment_id: str(meta.experiment_id) ?? entry.experiment.experiment_id,
    experiment_name: entry.experiment.name,
    run_name: str(meta.run_name) ?? str(meta.name),
    status,
    start_time: num(meta.start_time),
    end_time: num(meta.end_time),
    user_id: str(meta.user_id),
    lifecycle_stage: str(meta.lifecycle_stage),
    artifact_uri: str(meta.artifact_uri),
    params: {},
    metrics: {},
    tags: {},
  };
  const terminal = isTerminalMlflowStatus(status);
  for (const part of RUN_PARTS) {
    for (const [key, path] of partFiles(join(entry.dir, part)).sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      let text: string;
      try {
        text = await readFile(path, "utf8");
      } catch {
        continue; // removed since listed
      }
      files.push(path);
      bytes += Buffer.byteLength(text);
      if (part === "params") run.params[key] = text;
      else if (part === "tags") run.tags[key] = text;
      else {
        const { latest } = parseMetricLines(text, terminal);
        if (latest) run.metrics[key] = latest;
      }
    }
  }
  return { run, files, bytes };
}
