/**
 * Reads an MLflow SQL store kept in SQLite (`mlflow.db`) with sql.js
 * (SQLite compiled to WebAssembly: no native build, no download). Only the
 * core tables every MLflow 2.x and 3.x schema has are read: `experiments`,
 * `runs`, `params`, `latest_metrics` (or `metrics`), `tags`; columns are
 * selected with `*` so that columns added or missing across versions do not
 * matter.
 */
import { readFile } from "node:fs/promises";
import type initSqlJs from "sql.js";
import { optionalPeer } from "../../../lib/util/optional-peer.js";
import { diag } from "@opentelemetry/api";
import { isLaterMetric, type MlflowMetric, type MlflowRun } from "./mlflow-run.js";
import { mlflowStatusName } from "./mlflow-status.js";
import { errorMessage } from "../../../lib/util/error-message.js";

type SqlJs = Awaited<ReturnType<typeof initSqlJs>>;
type Database = InstanceType<SqlJs["Database"]>;
type Row = Record<string, unknown>;

let sqlJs: Promise<SqlJs> | undefined;

/** sql.js, an optional peer: only MLflow SQLite stores need it. */
const sqlJsModule = optionalPeer<typeof initSqlJs>("sql.js", "The MLflow adapter (SQLite stores)");

/** Loads the sql.js WebAssembly module once per process. */
function loadSqlJs(): Promise<SqlJs> {
  sqlJs ??= Promise.resolve().then(() => sqlJsModule()()).catch((err: unknown) => {
    sqlJs = undefined;
    throw err;
  });
  return sqlJs;
}

function rows(db: Database, sql: string): Row[] {
  const out: Row[] = [];
  for (const result of db.exec(sql)) {
    for (const values of result.values) {
      const row: Row = {};
      result.columns.forEach((c, i) => (row[c] = values[i]));
      out.push(row);
    }
  }
  return out;
}

function str(v: unknown): string | undefined {
  if (v === null || v === undefined) return undefined;
  return String(v);
}

function num(v: unknown): number | undefined {
  if (typeof v === "number") return v;
  if (typeof v === "bigint") return Number(v);
  if (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

function metricOf(r: Row): MlflowMetric {
  const nan = r.is_nan === 1 || r.is_nan === "1" || r.is_nan === true;
  return { value: nan ? NaN : (num(r.value) ?? NaN), step: num(r.step) ?? 0, timestamp: num(r.timestamp) ?? 0 };
}

/** What {@link readMlflowSqlStore} read. */
export interface SqlStoreContents {
  runs: MlflowRun[];
  /** Size of the database file read. */
  bytes: number;
}

/**
 * Reads every run of the store at `path`. Rejects when the file cannot be
 * read or is not an MLflow SQLite store (the caller logs and retries).
 */
export async function readMlflowSqlStore(path: string): Promise<SqlStoreContents> {
  const [SQL, data] = await Promise.all([loadSqlJs(), readFile(path)]);
  const db = new SQL.Database(data);
  try {
    const experiments = new Map<string, Row>();
    for (const e of rows(db, "SELECT * FROM experiments")) experiments.set(String(e.experiment_id), e);
    const runs = new Map<string, MlflowRun>();
    for (const r of rows(db, "SELECT * FROM runs")) {
      const id = String(r.run_uuid);
      const experimentId = str(r.experiment_id) ?? "";
      const exp = experiments.get(experimentId);
      runs.set(id, {
        run_id: id,
        experiment_id: experimentId,
        experiment_name: str(exp?.name),
        run_name: str(r.name) || undefined,
        status: mlflowStatusName(r.status),
        start_time: num(r.start_time),
        end_time: num(r.end_time),
        user_id: str(r.user_id) || undefined,
        lifecycle_stage: str(r.lifecycle_stage),
        artifact_uri: str(r.artifact_uri),
        params: {},
        metrics: {},
        tags: {},
      });
    }
    for (const p of rows(db, "SELECT * FROM params")) {
      const run = runs.get(String(p.run_uuid));
      if (run) run.params[String(p.key)] = str(p.value) ?? "";
    }
    for (const t of rows(db, "SELECT * FROM tags")) {
      const run = runs.get(String(t.run_uuid));
      if (run) run.tags[String(t.key)] = str(t.value) ?? "";
    }
    let latest: Row[];
    try {
      latest = rows(db, "SELECT * FROM latest_metrics");
    } catch (err) {
      diag.debug(`flowcept mlflow adapter: no latest_metrics table in ${path} (${errorMessage(err)}); using metrics`);
      latest = rows(db, "SELECT * FROM metrics");
    }
    for (const m of latest) {
      const run = runs.get(String(m.run_uuid));
      if (!run) continue;
      const key = String(m.key);
      const metric = metricOf(m);
      const prev = run.metrics[key];
      if (!prev || isLaterMetric(prev, metric)) run.metrics[key] = metric;
    }
    return { runs: [...runs.values()], bytes: data.length };
  } finally {
    db.close();
  }
}
