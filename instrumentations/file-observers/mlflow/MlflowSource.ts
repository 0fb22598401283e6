import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { diag } from "@opentelemetry/api";
import type { TaskRecord } from "../../../lib/records/records.js";
import type { AdapterConfig } from "../adapter-config.js";
import type { AdapterCounters } from "../adapter-counters.js";
import type { AdapterSource, SourceScan } from "../adapter-source.js";
import type { AdapterOptions } from "../data-adapter.js";
import { statQuiet, statSignature } from "../fs-probe.js";
import { nameFilter, type NameFilter } from "../name-filter.js";
import { PersistentSource } from "../PersistentSource.js";
import { contentDigest, stableUuid } from "../record-values.js";
import { listFileStoreRuns, readFileStoreRun, runDirSignature, type ExperimentCache } from "./mlflow-file-store.js";
import { mlflowRunToTask, type MlflowRun } from "./mlflow-run.js";
import { readMlflowSqlStore } from "./mlflow-sql-store.js";
import { isTerminalMlflowStatus } from "./mlflow-status.js";
import { errorMessage } from "../../../lib/util/error-message.js";

interface RunMemo {
  /** Digest of the last record emitted for the run. */
  digest: string;
  /** MLflow status at that time. */
  status: string;
}

/**
 * `file_path` as a path: a plain path, a `sqlite:///` tracking URI (three
 * slashes, then the path, as MLflow writes it), or a `file://` URI.
 */
export function mlflowStorePath(filePath: string): string {
  if (filePath.startsWith("sqlite:///")) return resolve(filePath.slice("sqlite:///".length));
  if (filePath.startsWith("file://")) return fileURLToPath(filePath);
  return resolve(filePath);
}

const EMPTY: SourceScan = { records: [], changed: false, commit: () => {} };
/** Returned internally when the store disappeared: its kind is looked up again next time. */
const GONE: SourceScan = { records: [], changed: false, commit: () => {} };

interface StoreLayout {
  kind: "sqlite" | "file";
  /** The SQLite file, or the `mlruns/` directory. */
  root: string;
}

function byStart(a: MlflowRun, b: MlflowRun): number {
  return (a.start_time ?? 0) - (b.start_time ?? 0) || (a.run_id < b.run_id ? -1 : a.run_id > b.run_id ? 1 : 0);
}

/**
 * Reads an MLflow tracking store — SQLite (`mlflow.db`) or file store
 * (`mlruns/`) — and describes each run as a task. A run is emitted when it is
 * first seen and again whenever its record changes (a RUNNING run that
 * finishes, metrics logged later); an unchanged store is not read at all.
 */
export class MlflowSource extends PersistentSource<RunMemo> implements AdapterSource {
  readonly kind = "mlflow" as const;
  private readonly keepParam: NameFilter;
  private readonly keepMetric: NameFilter;
  /** Fingerprint of the SQLite file when last read (not persisted: a restart reads the store once). */
  private storeSignature: string | undefined;
  /** Fingerprints of file-store run directories when last read. */
  private readonly runSignatures = new Map<string, string>();
  private readonly experiments: ExperimentCache = new Map();
  private readonly seenFiles = new Set<string>();
  private layout: StoreLayout | undefined;
  private missingLogged = false;
  private walSeen = false;

  constructor(
    config: AdapterConfig,
    private readonly opts: AdapterOptions = {},
  ) {
    super(mlflowStorePath(config.file_path));
    this.keepParam = nameFilter(config.log_params);
    this.keepMetric = nameFilter(config.log_metrics);
  }

  async scan(counters: AdapterCounters): Promise<SourceScan> {
    // The store's kind is looked up once; an idle SQLite scan is then a single stat.
    if (!this.layout) {
      this.layout = this.findLayout();
      if (!this.layout) {
        if (!this.missingLogged) diag.debug(`flowcept mlflow adapter: ${this.target} does not exist yet`);
        this.missingLogged = true;
        return EMPTY;
      }
      this.missingLogged = false;
    }
    const layout = this.layout;
    const result = layout.kind === "sqlite" ? await this.scanSqlite(counters) : await this.scanFileStore(layout.root, counters);
    if (result === GONE) {
      this.layout = undefined;
      return EMPTY;
    }
    return result;
  }

  private findLayout(): StoreLayout | undefined {
    const st = statQuiet(this.target);
    if (!st) return undefined;
    if (st.isFile()) return { kind: "sqlite", root: this.target };
    const mlruns = join(this.target, "mlruns");
    if (statQuiet(mlruns)?.isDirectory()) return { kind: "file", root: mlruns };
    return { kind: "file", root: this.target };
  }

  private countFile(path: string, counters: AdapterCounters): void {
    if (this.seenFiles.has(path)) return;
    this.seenFiles.add(path);
    counters.files++;
  }

  private workflowIdOf(store: string, experimentId: string): string {
    return this.opts.workflowId ?? stableUuid(`mlflow:${store}:${experimentId}`);
  }

  /** Records for the runs whose record changed; `pending` collects what commit will remember. */
  private diff(runs: MlflowRun[], store: string, storeType: "sqlite" | "file", pending: Array<[string, RunMemo]>): TaskRecord[] {
    const records: TaskRecord[] = [];
    for (const run of runs.sort(byStart)) {
      const record = mlflowRunToTask(run, {
        store,
        store_type: storeType,
        workflowId: this.workflowIdOf(store, run.experiment_id),
        campaignId: this.opts.campaignId,
        keepParam: this.keepParam,
        keepMetric: this.keepMetric,
      });
      const { utc_timestamp: _, ...content } = record;
      const digest = contentDigest(content);
      if (this.state.runs[run.run_id]?.digest === digest) continue;
      records.push(record);
      pending.push([run.run_id, { digest, status: run.status }]);
    }
    return records;
  }

  private commitFn(pending: Array<[string, RunMemo]>, after: () => void): () => void {
    return () => {
      for (const [id, memo] of pending) this.state.runs[id] = memo;
      after();
    };
  }

  private async scanSqlite(counters: AdapterCounters): Promise<SourceScan> {
    const path = this.target;
    const main = statSignature(path);
    if (main === undefined) return GONE;
    // MLflow does not turn WAL on; the -wal file is looked at only once one was seen.
    const sig = this.walSeen ? `${main}|${statSignature(`${path}-wal`) ?? "-"}` : main;
    if (sig === this.storeSignature) return EMPTY;
    const wal = statSignature(`${path}-wal`) ?? "-";
    if (wal !== "-" && !this.walSeen) {
      this.walSeen = true;
      diag.warn(`flowcept mlflow adapter: ${path} is in WAL mode; changes still in ${path}-wal are seen once SQLite checkpoints them`);
    }
    const fullSig = this.walSeen ? `${main}|${wal}` : main;
    let contents;
    try {
      contents = await readMlflowSqlStore(path);
    } catch (err) {
      counters.corrupt++;
      diag.warn(`flowcept mlflow adapter: cannot read ${path} as an MLflow store (${errorMessage(err)}); will try again when it changes`);
      this.storeSignature = fullSig;
      return EMPTY;
    }
    this.countFile(path, counters);
    counters.bytes += contents.bytes;
    counters.records += contents.runs.length;
    const pending: Array<[string, RunMemo]> = [];
    const records = this.diff(contents.runs, path, "sqlite", pending);
    return { records, changed: pending.length > 0, commit: this.commitFn(pending, () => (this.storeSignature = fullSig)) };
  }

  private async scanFileStore(root: string, counters: AdapterCounters): Promise<SourceScan> {
    let entries;
    try {
      entries = await listFileStoreRuns(root, this.experiments);
    } catch (err) {
      counters.corrupt++;
      diag.warn(`flowcept mlflow adapter: cannot list the file store ${root}: ${errorMessage(err)}`);
      return EMPTY;
    }
    const runs: MlflowRun[] = [];
    const signatures: Array<[string, string]> = [];
    for (const entry of entries) {
      const memo = this.state.runs[entry.run_id];
      const sig = runDirSignature(entry.dir, !memo || !isTerminalMlflowStatus(memo.status));
      if (sig === undefined || this.runSignatures.get(entry.dir) === sig) continue;
      signatures.push([entry.dir, sig]);
      try {
        const c = await readFileStoreRun(entry);
        for (const f of c.files) this.countFile(f, counters);
        counters.bytes += c.bytes;
        counters.records++;
        runs.push(c.run);
      } catch (err) {
        counters.corrupt++;
        diag.warn(`flowcept mlflow adapter: cannot read run ${entry.dir}: ${errorMessage(err)}; will try again when it changes`);
      }
    }
    const pending: Array<[string, RunMemo]> = [];
    const records = this.diff(runs, root, "file", pending);
    return {
      records,
      changed: pending.length > 0,
      commit: this.commitFn(pending, () => {
        for (const [dir, sig] of signatures) this.runSignatures.set(dir, sig);
      }),
    };
  }
}

