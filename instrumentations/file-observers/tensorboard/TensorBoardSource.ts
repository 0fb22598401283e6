import { open } from "node:fs/promises";
import { join, resolve } from "node:path";
import { diag } from "@opentelemetry/api";
import { Status, type JsonObject, type JsonValue, type StatusValue, type TaskRecord } from "../../../lib/records/records.js";
import type { AdapterConfig, TensorBoardLogTag } from "../adapter-config.js";
import type { AdapterCounters } from "../adapter-counters.js";
import type { AdapterSource, SourceScan } from "../adapter-source.js";
import type { AdapterOptions } from "../data-adapter.js";
import { statQuiet } from "../fs-probe.js";
import { nameFilter, type NameFilter } from "../name-filter.js";
import { PersistentSource } from "../PersistentSource.js";
import { compact, contentDigest, jsonNumber, nowSeconds, stableUuid } from "../record-values.js";
import { decodeEvent, type DecodedEvent, type ValueCategory } from "./event-decoder.js";
import { findEventFiles } from "./event-file-discovery.js";
import { HPARAMS_SESSION_STATUS } from "./hparams-plugin.js";
import { scanTfRecords } from "./tfrecord-reader.js";
import { protobufjs } from "./tensorboard-proto.js";
import { errorMessage } from "../../../lib/util/error-message.js";
import { taskRecord } from "../../../lib/records/task-record.js";

/** How far one event file has been read. */
interface FileState {
  /** Bytes done with (verified or skipped); a torn record after it is read again. */
  offset: number;
  ino: number;
  records: number;
}

/** The latest value of a tag and what was seen of it. */
interface TagState {
  value: JsonValue;
  step: number;
  wall_time: number;
  count: number;
  min_step: number;
  max_step: number;
  category: ValueCategory;
}

/** Every step of a tag chosen by `series_tags`, in reading order. */
interface SeriesState {
  steps: number[];
  values: JsonValue[];
  wall_times: number[];
}

/** Everything read from one run directory. */
interface RunState {
  task_id: string;
  files: Record<string, FileState>;
  tags: Record<string, TagState>;
  series: Record<string, SeriesState>;
  hparams?: JsonObject;
  hparams_group?: string;
  experiment?: { hparams: string[]; metrics: string[] };
  session_status?: number;
  first_wall_time?: number;
  last_wall_time?: number;
  /** Read since the last emission was committed. */
  dirty: boolean;
  /** Digest of the last record emitted for this run. */
  emitted?: string;
}

/** New bytes are read in pieces of at most this size. */
const READ_CHUNK_BYTES = 16 * 1024 * 1024;

/** Event kinds that carry nothing this adapter records. */
const SKIPPED_KINDS = new Set(["graph_def", "meta_graph_def", "tagged_run_metadata", "log_message"]);

function newRun(taskId: string): RunState {
  return { task_id: taskId, files: {}, tags: {}, series: {}, dirty: true };
}

/**
 * Reads a TensorBoard logdir incrementally (only the bytes added since the
 * last scan) and describes each run directory as one task, as Flowcept's
 * TensorBoard adapter does: `used` = the hparams of the session,
 * `generated` = the last value of each metric, `custom_metadata` = the event
 * files and the logdir. A run is emitted again only when what it records
 * changed.
 */
export class TensorBoardSource extends PersistentSource<RunState> implements AdapterSource {
  readonly kind = "tensorboard" as const;
  private readonly categories: Set<TensorBoardLogTag>;
  private readonly keepMetric: NameFilter;
  private readonly keepSeries: NameFilter;
  private readonly workflowId: string;
  private missingLogged = false;

  constructor(
    config: AdapterConfig,
    private readonly opts: AdapterOptions = {},
  ) {
    super(resolve(config.file_path));
    this.categories = new Set(config.log_tags);
    this.keepMetric = nameFilter(config.log_metrics);
    this.keepSeries = nameFilter(config.series_tags);
    this.workflowId = opts.workflowId ?? stableUuid(`tensorboard:${this.target}`);
  }

  async scan(counters: AdapterCounters): Promise<SourceScan> {
    const layout = findEventFiles(this.target);
    if (!layout) {
      if (!this.missingLogged) diag.debug(`flowcept tensorboard adapter: ${this.target} does not exist yet`);
      this.missingLogged = true;
      return { records: [], changed: false, commit: () => {} };
    }
    this.missingLogged = false;
    let changed = false;
    for (const [rel, names] of layout.runs) {
      const dir = rel === "." ? layout.base : join(layout.base, rel);
      if (await this.readRun(rel, dir, names, counters)) changed = true;
    }
    const records: TaskRecord[] = [];
    const done: Array<[RunState, string | undefined]> = [];
    for (const [rel, run] of Object.entries(this.state.runs)) {
      if (!run.dirty) continue;
      const dir = rel === "." ? layout.base : join(layout.base, rel);
      const record = this.buildRecord(rel, dir, run);
      let digest = run.emitted;
      if (record) {
        const { utc_timestamp: _, ...content } = record;
        const d = contentDigest(content);
        if (d !== run.emitted) {
          records.push(record);
          digest = d;
        }
      }
      done.push([run, digest]);
    }
    return {
      records,
      changed: changed || done.length > 0,
      commit: () => {
        for (const [run, digest] of done) {
          run.dirty = false;
          if (digest !== undefined) run.emitted = digest;
        }
      },
    };
  }

  /** Reads what is new in one run's files; true when anything was read. */
  private async readRun(rel: string, dir: string, names: string[], counters: AdapterCounters): Promise<boolean> {
    let run = this.state.runs[rel];
    const stats = new Map<string, { size: number; ino: number }>();
    for (const name of names) {
      // Missing when removed between listing and stat: nothing to read.
      const st = statQuiet(join(dir, name));
      if (st) stats.set(name, { size: st.size, ino: st.ino });
    }
    if (run) {
      for (const [name, st] of stats) {
        const f = run.files[name];
        if (f && (st.ino !== f.ino || st.size < f.offset)) {
          diag.warn(`flowcept tensorboard adapter: ${join(dir, name)} was replaced or truncated; reading run ${rel} again from the start`);
          run = this.state.runs[rel] = newRun(run.task_id);
          break;
        }
      }
    }
    if (!run) {
      const first = [...stats.keys()][0];
      if (first === undefined) return false;
      run = this.state.runs[rel] = newRun(first);
    }
    let changed = false;
    for (const [name, st] of stats) {
      let f = run.files[name];
      if (!f) {
        f = run.files[name] = { offset: 0, ino: st.ino, records: 0 };
        counters.files++;
        run.dirty = true;
        changed = true;
      }
      if (st.size > f.offset && (await this.readFile(join(dir, name), f, st.size, run, counters))) changed = true;
    }
    return changed;
  }

  /** Reads `[f.offset, size)` of one event file; true when the offset moved. */
  private async readFile(path: string, f: FileState, size: number, run: RunState, counters: AdapterCounters): Promise<boolean> {
    let fh;
    try {
      fh = await open(path, "r");
    } catch (err) {
      diag.warn(`flowcept tensorboard adapter: cannot open ${path}: ${errorMessage(err)}`);
      return false;
    }
    const before = f.offset;
    try {
      let chunkSize = READ_CHUNK_BYTES;
      while (f.offset < size) {
        const want = Math.min(size - f.offset, chunkSize);
        const buf = Buffer.allocUnsafe(want);
        const { bytesRead } = await fh.read(buf, 0, want, f.offset);
        if (bytesRead === 0) break;
        counters.bytes += bytesRead;
        const chunk = buf.subarray(0, bytesRead);
        const reader = protobufjs().Reader.create(chunk);
        const base = f.offset;
        const res = scanTfRecords(chunk, (start, length) => {
          let ev: DecodedEvent;
          try {
            ev = decodeEvent(reader, start, length);
          } catch (err) {
            counters.corrupt++;
            diag.warn(`flowcept tensorboard adapter: ${path} at byte ${base + start}: undecodable event skipped (${errorMessage(err)})`);
            return;
          }
          this.apply(run, ev, counters);
        });
        for (const d of res.damage) {
          counters.corrupt++;
          diag.warn(`flowcept tensorboard adapter: ${path} at byte ${base + d.offset}: ${d.kind} checksum mismatch, ${d.skipped} byte(s) skipped`);
        }
        counters.records += res.records;
        f.records += res.records;
        f.offset += res.consumed;
        if (base + bytesRead >= size) break; // the rest, if any, is a torn record: read again next time
        if (res.consumed === 0) {
          if (!res.pendingRecordBytes) break;
          chunkSize = res.pendingRecordBytes;
        }
      }
    } catch (err) {
      counters.errors++;
      diag.warn(`flowcept tensorboard adapter: reading ${path} failed: ${errorMessage(err)}`);
    } finally {
      await fh.close().catch(() => undefined);
    }
    if (f.offset === before) return false;
    run.dirty = true;
    return true;
  }

  private apply(run: RunState, ev: DecodedEvent, counters: AdapterCounters): void {
    if (ev.kind !== "summary" && SKIPPED_KINDS.has(ev.kind)) counters.skipped++;
    counters.skipped += ev.skipped;
    const wall = ev.wall_time;
    if (wall > 0) {
      if (run.first_wall_time === undefined || wall < run.first_wall_time) run.first_wall_time = wall;
      if (run.last_wall_time === undefined || wall > run.last_wall_time) run.last_wall_time = wall;
    }
    const step = ev.step;
    for (const v of ev.values) {
      const value = typeof v.value === "number" && !Number.isFinite(v.value) ? jsonNumber(v.value) : v.value;
      const t = run.tags[v.tag];
      if (!t) {
        run.tags[v.tag] = { value, step, wall_time: wall, count: 1, min_step: step, max_step: step, category: v.category };
      } else {
        t.count++;
        if (step < t.min_step) t.min_step = step;
        if (step > t.max_step) t.max_step = step;
        // Latest by wall time, so that several files of one run interleave correctly.
        if (wall >= t.wall_time || wall === 0) {
          t.value = value;
          t.step = step;
          t.wall_time = wall;
          t.category = v.category;
        }
      }
      if (this.keepSeries(v.tag)) {
        const s = (run.series[v.tag] ??= { steps: [], values: [], wall_times: [] });
        s.steps.push(step);
        s.values.push(value);
        s.wall_times.push(wall);
      }
    }
    for (const h of ev.hparams) {
      if (h.session_start) {
        run.hparams = h.session_start.hparams;
        if (h.session_start.group_name) run.hparams_group = h.session_start.group_name;
      }
      if (h.experiment) run.experiment = h.experiment;
      if (h.session_end) run.session_status = h.session_end.status;
    }
  }

  private buildRecord(rel: string, dir: string, run: RunState): TaskRecord | undefined {
    const used: JsonObject = this.categories.has("hparams") && run.hparams ? { ...run.hparams } : {};
    let workflowId = this.workflowId;
    let activityId: string | undefined;
    // Flowcept's convention: ids passed as hparams place the run in a workflow.
    if (typeof used.workflow_id === "string") workflowId = used.workflow_id;
    if (used.activity_id !== undefined && used.activity_id !== null) activityId = String(used.activity_id);
    delete used.workflow_id;
    delete used.activity_id;

    const generated: JsonObject = {};
    const metrics: JsonObject = {};
    const series: JsonObject = {};
    for (const tag of Object.keys(run.tags).sort()) {
      const t = run.tags[tag]!;
      if (!this.categories.has(t.category) || !this.keepMetric(tag)) continue;
      generated[tag] = t.value;
      metrics[tag] = { count: t.count, last_step: t.step, min_step: t.min_step, max_step: t.max_step };
      const s = run.series[tag];
      if (s) series[tag] = { steps: s.steps, values: s.values, wall_times: s.wall_times };
    }
    if (!Object.keys(used).length && !Object.keys(generated).length) return undefined;

    const files = Object.keys(run.files).sort();
    const status: StatusValue = run.session_status === 2 ? Status.ERROR : run.session_status === 3 ? Status.RUNNING : Status.FINISHED;
    const custom = compact({
      event_file: files[0],
      event_files: files,
      log_path: dir,
      logdir: this.target,
      run: rel,
      metrics,
      series,
      hparams_experiment: run.experiment,
      hparams_group: run.hparams_group,
      session_status: run.session_status !== undefined ? HPARAMS_SESSION_STATUS[run.session_status] : undefined,
    }) as JsonObject;
    return taskRecord(
      compact({
        task_id: run.task_id,
        workflow_id: workflowId,
        campaign_id: this.opts.campaignId,
        activity_id: activityId,
        used,
        generated,
        started_at: run.first_wall_time,
        ended_at: run.last_wall_time,
        status,
        custom_metadata: custom,
        adapter_id: "tensorboard",
        utc_timestamp: nowSeconds(),
      }),
    );
  }
}
