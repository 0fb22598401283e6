/**
 * `flowcept-otel watch <kind> <path>`: runs a data observability adapter from
 * the command line. `--once` scans once and exits; otherwise it watches until
 * SIGINT/SIGTERM (or the io's abort signal), then runs a last scan. Records
 * go to stdout (JSON lines with `--json`), a summary of what was read goes
 * to stderr.
 */
import { existsSync } from "node:fs";
import { Argument, InvalidArgumentError, type Command } from "commander";
import type { TaskRecord } from "../../records/records.js";
import { FlowceptSettingsError } from "../../settings/settings.js";
import { adapterConfigFromSettings, ADAPTER_KINDS, type AdapterKind } from "../../../instrumentations/file-observers/adapter-config.js";
import type { AdapterCounters } from "../../../instrumentations/file-observers/adapter-counters.js";
import { createAdapter } from "../../../instrumentations/file-observers/create-adapter.js";
import { CliError } from "../CliError.js";
import { type CliIo, type GlobalOptions, untilStopped } from "../cli-context.js";

function list(v: string | undefined): string[] | undefined {
  return v === undefined ? undefined : v.split(",").map((s) => s.trim()).filter(Boolean);
}

function summaryLine(r: TaskRecord): string {
  const gen = Object.entries(r.generated ?? {})
    .slice(0, 6)
    .map(([k, v]) => `${k}=${typeof v === "number" ? Number(v.toPrecision(6)) : JSON.stringify(v)}`)
    .join(" ");
  const more = Object.keys(r.generated ?? {}).length > 6 ? " …" : "";
  return `${r.status ?? "?"} ${r.task_id}${r.activity_id ? ` ${r.activity_id}` : ""} used=${Object.keys(r.used ?? {}).length}${gen ? ` ${gen}${more}` : ""}\n`;
}

/** One line describing the counters. */
export function formatAdapterCounters(kind: AdapterKind, target: string, c: AdapterCounters): string {
  return (
    `flowcept-otel watch ${kind} ${target}: ${c.scans} scan(s), ${c.files} file(s), ${c.bytes} byte(s), ` +
    `${c.records} record(s) read, ${c.skipped} skipped, ${c.corrupt} corrupt; ${c.emitted} task(s) emitted` +
    (c.errors ? `, ${c.errors} error(s)` : "") +
    "\n"
  );
}

/** The options of `watch`. */
interface WatchOptions {
  once?: boolean;
  interval?: number;
  state?: string;
  stateFile?: string;
  logMetrics?: string;
  logParams?: string;
  logTags?: string;
  series?: string;
  workflowId?: string;
  campaignId?: string;
}

function parseSeconds(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError("expected a positive number of seconds");
  return n;
}

async function watch(kind: AdapterKind, path: string, o: WatchOptions, json: boolean, io: CliIo): Promise<void> {
  const write = (records: TaskRecord[]): void => {
    for (const r of records) io.out(json ? `${JSON.stringify(r)}\n` : summaryLine(r));
  };
  let adapter;
  try {
    const config = {
      ...(adapterConfigFromSettings(kind) ?? {}),
      kind,
      file_path: path,
      ...(o.interval !== undefined ? { watch_interval_sec: o.interval } : {}),
      ...(o.logMetrics !== undefined ? { log_metrics: list(o.logMetrics) } : {}),
      ...(o.logParams !== undefined ? { log_params: list(o.logParams) } : {}),
      ...(o.logTags !== undefined ? { log_tags: list(o.logTags) } : {}),
      ...(o.series !== undefined ? { series_tags: list(o.series) } : {}),
      ...(o.stateFile !== undefined ? { state_file: o.stateFile } : o.once && o.state === undefined ? { state_file: false } : {}),
    };
    adapter = createAdapter(kind, config, write, { workflowId: o.workflowId, campaignId: o.campaignId, stateDir: o.state });
  } catch (e) {
    throw e instanceof FlowceptSettingsError ? new CliError(e.message) : e;
  }

  if (o.once) {
    if (!existsSync(adapter.target)) throw new CliError(`nothing at ${adapter.target}`);
    await adapter.scanOnce();
    io.err(formatAdapterCounters(kind, adapter.target, adapter.counters));
    return;
  }

  // The adapter's timer is unref'd (it must not keep a host program alive); the CLI is the host here.
  const keepAlive = setInterval(() => {}, 1 << 30);
  const stopped = untilStopped(io);
  io.err(`flowcept-otel watch: watching ${adapter.target} every ${adapter.config.watch_interval_sec} s (Ctrl-C to stop)\n`);
  adapter.start();
  await stopped;
  clearInterval(keepAlive);
  await adapter.stop();
  io.err(formatAdapterCounters(kind, adapter.target, adapter.counters));
}

/** Adds `watch` to the program. */
export function addWatchCommand(program: Command, io: CliIo): void {
  program
    .command("watch")
    .description("turn what TensorBoard or MLflow wrote into Flowcept task records, once or as it grows")
    .addArgument(new Argument("<kind>", "what wrote the files").choices(ADAPTER_KINDS))
    .argument("<path>", "a TensorBoard logdir, or an MLflow store (mlflow.db, sqlite:///… or mlruns/)")
    .option("--once", "scan once, print the records and exit (state is not kept unless --state is given)")
    .option("--interval <sec>", "seconds between scans while watching (default: settings, else 5 / 1)", parseSeconds)
    .option("--state <dir>", "directory of the state file (what was already emitted)")
    .option("--state-file <path>", "state file path")
    .option("--log-metrics <a,b>", 'metrics kept in "generated" (names or * globs; default *)')
    .option("--log-params <a,b>", 'MLflow params kept in "used" (default *)')
    .option("--log-tags <a,b>", "TensorBoard categories: scalars,tensors,hparams")
    .option("--series <a,b>", "TensorBoard tags whose every step is kept in custom_metadata.series")
    .option("--workflow-id <id>", "workflow_id of every record")
    .option("--campaign-id <id>", "campaign_id of every record")
    .addHelpText("after", "\nRecords go to stdout (one summary line each, JSON lines with --json); what was read goes to stderr.")
    .action(async (kind: AdapterKind, path: string, o: WatchOptions, cmd: Command) => {
      await watch(kind, path, o, cmd.optsWithGlobals<GlobalOptions>().json === true, io);
    });
}
