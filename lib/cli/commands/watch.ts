/**
 * `flowcept-otel watch <kind> <path>`: runs a data observability adapter from
 * the command line. `--once` scans once and exits; otherwise it watches until
 * SIGINT/SIGTERM, then runs a last scan. Records go to stdout (JSON lines with
 * `--json`), a summary of what was read goes to stderr.
 */
import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import type { TaskRecord } from "../../records/records.js";
import { FlowceptSettingsError } from "../../settings/settings.js";
import { adapterConfigFromSettings, ADAPTER_KINDS, type AdapterKind } from "../../../instrumentations/file-observers/adapter-config.js";
import type { AdapterCounters } from "../../../instrumentations/file-observers/adapter-counters.js";
import { createAdapter } from "../../../instrumentations/file-observers/create-adapter.js";
import { errorMessage } from "../../util/error-message.js";
import type { Command } from "commander";
import { CliError } from "../CliError.js";
import { type CliIo, type GlobalOptions } from "../cli-context.js";

/** Help text of the command. */
export const WATCH_COMMAND_USAGE = `Usage: flowcept-otel watch <tensorboard|mlflow> <path> [options]

Turns what TensorBoard or MLflow wrote into Flowcept task records.
<path> is a TensorBoard logdir, or an MLflow store (mlflow.db, sqlite:///… or mlruns/).

Options:
  --once                 scan once, print the records and exit (state is not kept unless --state is given)
  --json                 print records as JSON lines (default: one summary line per record)
  --interval <sec>       seconds between scans while watching (default: settings, else 5 / 1)
  --state <dir>          directory of the state file (what was already emitted)
  --state-file <path>    state file path
  --log-metrics <a,b>    metrics kept in "generated" (names or * globs; default *)
  --log-params <a,b>     MLflow params kept in "used" (default *)
  --log-tags <a,b>       TensorBoard categories: scalars,tensors,hparams
  --series <a,b>         TensorBoard tags whose every step is kept in custom_metadata.series
  --workflow-id <id>     workflow_id of every record
  --campaign-id <id>     campaign_id of every record
  -h, --help             show this help
`;

/** Where the command writes, and an optional signal that ends watching (for embedding and tests). */
export interface WatchCommandIo {
  stdout?: { write(text: string): unknown };
  stderr?: { write(text: string): unknown };
  /** Aborting it ends watching as SIGINT does. */
  signal?: AbortSignal;
}

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

/**
 * Runs the command with the arguments after `watch`. Resolves to the exit
 * code: 0 on success, 1 when the path or the settings cannot be used, 2 for
 * a usage error. Never rejects.
 */
export async function watchCommand(args: string[], io: WatchCommandIo = {}): Promise<number> {
  const out = io.stdout ?? process.stdout;
  const err = io.stderr ?? process.stderr;
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        once: { type: "boolean" },
        json: { type: "boolean" },
        interval: { type: "string" },
        state: { type: "string" },
        "state-file": { type: "string" },
        "log-metrics": { type: "string" },
        "log-params": { type: "string" },
        "log-tags": { type: "string" },
        series: { type: "string" },
        "workflow-id": { type: "string" },
        "campaign-id": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (e) {
    err.write(`${errorMessage(e)}\n\n${WATCH_COMMAND_USAGE}`);
    return 2;
  }
  const { values: o, positionals } = parsed;
  if (o.help) {
    out.write(WATCH_COMMAND_USAGE);
    return 0;
  }
  const [kind, path, ...extra] = positionals;
  if (!kind || !path || extra.length || !ADAPTER_KINDS.includes(kind as AdapterKind)) {
    err.write(`expected a kind (${ADAPTER_KINDS.join(" or ")}) and a path\n\n${WATCH_COMMAND_USAGE}`);
    return 2;
  }
  const k = kind as AdapterKind;
  const interval = o.interval === undefined ? undefined : Number(o.interval);

  let adapter;
  try {
    const fromSettings = adapterConfigFromSettings(k);
    const config = {
      ...(fromSettings ?? {}),
      kind: k,
      file_path: path,
      ...(interval !== undefined ? { watch_interval_sec: interval } : {}),
      ...(o["log-metrics"] !== undefined ? { log_metrics: list(o["log-metrics"]) } : {}),
      ...(o["log-params"] !== undefined ? { log_params: list(o["log-params"]) } : {}),
      ...(o["log-tags"] !== undefined ? { log_tags: list(o["log-tags"]) } : {}),
      ...(o.series !== undefined ? { series_tags: list(o.series) } : {}),
      ...(o["state-file"] !== undefined ? { state_file: o["state-file"] } : o.once && o.state === undefined ? { state_file: false } : {}),
    };
    const write = (records: TaskRecord[]) => {
      for (const r of records) out.write(o.json ? `${JSON.stringify(r)}\n` : summaryLine(r));
    };
    adapter = createAdapter(k, config, write, {
      workflowId: o["workflow-id"],
      campaignId: o["campaign-id"],
      stateDir: o.state,
    });
  } catch (e) {
    err.write(`${e instanceof FlowceptSettingsError ? e.message : String(e)}\n`);
    return 1;
  }

  if (o.once) {
    if (!existsSync(adapter.target)) {
      err.write(`flowcept-otel watch: nothing at ${adapter.target}\n`);
      return 1;
    }
    await adapter.scanOnce();
    err.write(formatAdapterCounters(k, adapter.target, adapter.counters));
    return 0;
  }

  // The adapter's timer is unref'd (it must not keep a host program alive); the CLI is the host here.
  const keepAlive = setInterval(() => {}, 1 << 30);
  const stopped = new Promise<void>((resolve) => {
    const done = () => {
      process.off("SIGINT", done);
      process.off("SIGTERM", done);
      io.signal?.removeEventListener("abort", done);
      resolve();
    };
    process.once("SIGINT", done);
    process.once("SIGTERM", done);
    if (io.signal?.aborted) done();
    else io.signal?.addEventListener("abort", done, { once: true });
  });
  err.write(`flowcept-otel watch: watching ${adapter.target} every ${adapter.config.watch_interval_sec} s (Ctrl-C to stop)\n`);
  adapter.start();
  await stopped;
  clearInterval(keepAlive);
  await adapter.stop();
  err.write(formatAdapterCounters(k, adapter.target, adapter.counters));
  return 0;
}


/** Adds `watch` to the program. */
export function addWatchCommand(program: Command, io: CliIo): void {
  program
    .command("watch")
    .description("read a TensorBoard logdir or an MLflow store and print or record its runs (watch --help for options)")
    .argument("[args...]", "<tensorboard|mlflow> <path> [--once] [--json] …")
    .allowUnknownOption()
    .helpOption(false)
    .action(async (args: string[], _o: unknown, cmd: Command) => {
      // `--json` is also a global option, which commander takes before the command sees it.
      if (cmd.optsWithGlobals<GlobalOptions>().json && !args.includes("--json")) args = [...args, "--json"];
      const code = await watchCommand(args, { stdout: { write: (t: string) => (io.out(t), true) } as never, stderr: { write: (t: string) => (io.err(t), true) } as never });
      if (code !== 0) throw new CliError("watch failed", code);
    });
}
