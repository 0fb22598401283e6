#!/usr/bin/env node
/**
 * The `flowcept-otel` command-line program: queries over MongoDB or the
 * local store, workflow and task listings, replay of spill files, settings
 * initialisation and a MongoDB check. {@link buildCli} returns the commander
 * program so that other modules can add commands before running it.
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { summarizeWorkflow, formatWorkflowSummary } from "../query/workflow-summary.js";
import type { FlowceptRecord, WorkflowRecord } from "../records/records.js";
import { watchCommand } from "./commands/watch.js";
import { addIngestCommand } from "./commands/ingest.js";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { MongoClient } from "mongodb";
import { stringify as toYaml } from "yaml";
import { replaySpill } from "../../exporters/mongo/replay-spill.js";
import { columnsOf, formatDuration, formatTable, formatTime } from "./format.js";
import { FlowceptDb } from "../query/FlowceptDb.js";
import { LocalQueryBackend } from "../query/LocalQueryBackend.js";
import { mongoDbNameFromSettings, mongoUriFromSettings } from "../../exporters/mongo/mongo-settings.js";
import { redactUri } from "../records/redact.js";
import { COLLECTIONS } from "../../exporters/mongo/mongo-layout.js";
import { MongoQueryBackend } from "../query/MongoQueryBackend.js";
import { FlowceptQueryError, type CollectionName } from "../query/query-types.js";
import { getSettings } from "../settings/settings-loader.js";
import { defaultSettings, FlowceptSettingsError, type FlowceptSettings } from "../settings/settings.js";
import { errorMessage } from "../util/error-message.js";

/** An error the program reports as `flowcept-otel: error: <message>` with a non-zero exit. */
export class CliError extends Error {
  override readonly name = "CliError";
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** Options every command accepts. */
export interface GlobalOptions {
  json?: boolean;
  mongoUri?: string;
  db?: string;
  bufferPath?: string;
  settings?: string;
}

/** Where a command writes. */
export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

const PROCESS_IO: CliIo = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
};

/** Parses a JSON option or argument; the error names it. */
export function parseJsonArg(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new CliError(`${what} is not valid JSON (${errorMessage(err)}): ${text}`);
  }
}

function parseLimit(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError("expected a non-negative integer");
  return n;
}

/** The settings, honouring `--settings`. A bad settings file is a {@link CliError}. */
export function cliSettings(g: GlobalOptions): FlowceptSettings {
  if (g.settings) process.env.FLOWCEPT_SETTINGS_PATH = resolve(g.settings);
  try {
    return getSettings();
  } catch (err) {
    if (err instanceof FlowceptSettingsError) throw new CliError(err.message);
    throw err;
  }
}

/** The query API the global options point at: `--mongo-uri`, `--buffer-path`, else settings. */
export function openDb(g: GlobalOptions): FlowceptDb {
  const settings = cliSettings(g);
  if (g.mongoUri) return new FlowceptDb({ backend: new MongoQueryBackend({ uri: g.mongoUri, dbName: g.db ?? mongoDbNameFromSettings(settings) }) });
  if (g.bufferPath) return new FlowceptDb({ backend: new LocalQueryBackend({ path: g.bufferPath }) });
  if (settings.databases.mongodb.enabled) {
    return new FlowceptDb({ backend: new MongoQueryBackend({ uri: mongoUriFromSettings(settings), dbName: g.db ?? mongoDbNameFromSettings(settings) }) });
  }
  return new FlowceptDb({ backend: new LocalQueryBackend({ path: settings.project.dump_buffer.path }) });
}

/** MongoDB's address from the options or settings; a {@link CliError} when none is configured. */
export function mongoTarget(g: GlobalOptions): { uri: string; dbName: string; settings: FlowceptSettings } {
  const settings = cliSettings(g);
  const m = settings.databases.mongodb;
  if (!g.mongoUri && !m.enabled && !m.uri) {
    throw new CliError("MongoDB is not configured: pass --mongo-uri, set FLOWCEPT_MONGO_URI, or set databases.mongodb.enabled/uri in settings.yaml");
  }
  return { uri: g.mongoUri ?? mongoUriFromSettings(settings), dbName: g.db ?? mongoDbNameFromSettings(settings), settings };
}

/** Runs `fn` with the query API of the command's global options, closing it afterwards. */
export async function withDb<T>(cmd: Command, fn: (db: FlowceptDb, g: GlobalOptions) => Promise<T>): Promise<T> {
  const g = cmd.optsWithGlobals<GlobalOptions>();
  const db = openDb(g);
  try {
    return await fn(db, g);
  } catch (err) {
    if (err instanceof FlowceptQueryError) throw new CliError(err.message);
    throw err;
  } finally {
    await db.close();
  }
}

function printRecords(io: CliIo, g: GlobalOptions, rows: Record<string, unknown>[], preferred: string[]): void {
  if (g.json) {
    io.out(`${JSON.stringify(rows, null, 2)}\n`);
    return;
  }
  if (!rows.length) {
    io.out("(no results)\n");
    return;
  }
  io.out(formatTable(columnsOf(rows, preferred), rows));
}

/** Progress lines on stderr, at most five a second; `final` always prints. */
function progress(io: CliIo, label: string): (done: number, total?: number, final?: boolean) => void {
  let last = 0;
  let shown = -1;
  return (done, total, final = done === total) => {
    const now = Date.now();
    if ((now - last < 200 && !final) || (final && shown === done)) return;
    last = now;
    shown = done;
    io.err(`${label}: ${done}${total !== undefined ? ` of ${total}` : ""}\n`);
  };
}

/** Builds the program. `io` replaces stdout/stderr (tests, embedding). */
export function buildCli(io: CliIo = PROCESS_IO): Command {
  const program = new Command("flowcept-otel")
    .description("Query and manage flowcept-otel provenance (MongoDB or the local JSONL store)")
    .option("--json", "print JSON instead of tables")
    .option("--mongo-uri <uri>", "query this MongoDB instead of what settings say")
    .option("--db <name>", "MongoDB database name (default: databases.mongodb.db)")
    .option("--buffer-path <path>", "query this local store file (and its suffixed siblings)")
    .option("--settings <path>", "settings.yaml to use (default: FLOWCEPT_SETTINGS_PATH or ~/.flowcept/settings.yaml)")
    .showHelpAfterError()
    .configureOutput({ writeOut: io.out, writeErr: io.err });

  program
    .command("query")
    .description("run a MongoDB-language query over tasks (or another collection)")
    .argument("<filter>", 'filter as JSON, e.g. \'{"status": "ERROR"}\'')
    .option("--projection <json>", 'fields to keep or drop, e.g. \'{"task_id": 1}\'')
    .option("--sort <json>", 'sort order, e.g. \'{"started_at": -1}\'')
    .option("--limit <n>", "at most this many results", parseLimit)
    .addOption(new Option("--collection <name>", "collection to query").choices(["tasks", "workflows", "agents", "objects"]).default("tasks"))
    .option("--output <file>", "write the results to a file instead of printing them")
    .addOption(new Option("--format <format>", "file format of --output").choices(["jsonl", "csv"]).default("jsonl"))
    .action(async (filterText: string, o: { projection?: string; sort?: string; limit?: number; collection: CollectionName; output?: string; format: "jsonl" | "csv" }, cmd: Command) => {
      const filter = parseJsonArg(filterText, "the filter");
      const projection = o.projection === undefined ? undefined : parseJsonArg(o.projection, "--projection");
      const sort = o.sort === undefined ? undefined : parseJsonArg(o.sort, "--sort");
      await withDb(cmd, async (db, g) => {
        const opts = { collection: o.collection, projection: projection as never, sort: sort as never, limit: o.limit };
        if (o.output) {
          const n = await db.exportQuery(filter as never, { ...opts, path: o.output, format: o.format, onProgress: progress(io, "exported") });
          if (g.json) io.out(`${JSON.stringify({ written: n, path: resolve(o.output), format: o.format })}\n`);
          else io.out(`${n} records written to ${resolve(o.output)}\n`);
          return;
        }
        const rows = await db.query(filter as never, opts);
        printRecords(io, g, rows, ["task_id", "workflow_id", "activity_id", "status", "name", "started_at", "ended_at"]);
      });
    });

  program
    .command("workflows")
    .description("list workflows with status, task counts and duration")
    .option("--limit <n>", "at most this many workflows (newest first)", parseLimit)
    .action(async (o: { limit?: number }, cmd: Command) => {
      await withDb(cmd, async (db, g) => {
        const wfs = await db.workflowQuery({}, { sort: { started_at: -1 }, limit: o.limit });
        const ids = wfs.map((w) => String(w.workflow_id));
        const tasks = ids.length ? await db.taskQuery({ workflow_id: { $in: ids } }, { projection: { workflow_id: 1, status: 1 } }) : [];
        const counts = new Map<string, Record<string, number>>();
        for (const t of tasks) {
          const c = counts.get(String(t.workflow_id)) ?? { total: 0 };
          c.total = (c.total ?? 0) + 1;
          const s = String(t.status ?? "UNKNOWN");
          c[s] = (c[s] ?? 0) + 1;
          counts.set(String(t.workflow_id), c);
        }
        const rows = wfs.map((w) => {
          const c = counts.get(String(w.workflow_id)) ?? { total: 0 };
          const duration = typeof w.ended_at === "number" && typeof w.started_at === "number" ? w.ended_at - w.started_at : undefined;
          return {
            workflow_id: w.workflow_id,
            name: w.name,
            status: w.status,
            tasks: c.total ?? 0,
            finished: c.FINISHED ?? 0,
            errors: c.ERROR ?? 0,
            started_at: g.json ? w.started_at : formatTime(w.started_at),
            duration: g.json ? duration : formatDuration(duration),
          };
        });
        printRecords(io, g, rows, []);
      });
    });

  program
    .command("show")
    .description("the summary of a workflow: tasks per activity, status counts, durations (default: the latest workflow)")
    .argument("[workflow-id]", "the workflow")
    .action(async (id: string | undefined, _o: unknown, cmd: Command) => {
      await withDb(cmd, async (db, g) => {
        const wf = id ? await db.getWorkflow(id) : (await db.workflowQuery({}, { sort: { started_at: -1 }, limit: 1 }))[0];
        const workflowId = id ?? (wf?.workflow_id as string | undefined);
        if (!workflowId) throw new CliError("no workflow in the store");
        const tasks = await db.taskQuery({ workflow_id: workflowId });
        if (!wf && tasks.length === 0) throw new CliError(`no workflow ${workflowId} in the store`);
        const summary = summarizeWorkflow(wf as WorkflowRecord | undefined, tasks as FlowceptRecord[], workflowId, db.describe());
        io.out(g.json ? `${JSON.stringify(summary, null, 2)}\n` : `${formatWorkflowSummary(summary)}\n`);
      });
    });

  addIngestCommand(program, io);

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

  program
    .command("tasks")
    .description("list the tasks of a workflow")
    .requiredOption("--workflow-id <id>", "the workflow")
    .option("--limit <n>", "at most this many tasks", parseLimit)
    .action(async (o: { workflowId: string; limit?: number }, cmd: Command) => {
      await withDb(cmd, async (db, g) => {
        const tasks = await db.taskQuery({ workflow_id: o.workflowId }, { sort: { started_at: 1 }, limit: o.limit });
        if (g.json) {
          io.out(`${JSON.stringify(tasks, null, 2)}\n`);
          return;
        }
        const rows = tasks.map((t) => ({
          task_id: t.task_id,
          activity_id: t.activity_id,
          status: t.status,
          parent_task_id: t.parent_task_id,
          started_at: formatTime(t.started_at),
          duration: formatDuration(typeof t.ended_at === "number" && typeof t.started_at === "number" ? t.ended_at - t.started_at : undefined),
        }));
        printRecords(io, g, rows, []);
      });
    });

  program
    .command("replay")
    .description("write spill files left by processes that could not reach MongoDB")
    .option("--spill-dir <dir>", "folder of spill files (default: db_buffer.spill_dir)")
    .option("--all", "also take files of live processes and other hosts")
    .option("--timeout <ms>", "give up after this long (files not written are kept)", parseLimit)
    .action(async (o: { spillDir?: string; all?: boolean; timeout?: number }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const { uri, dbName, settings } = mongoTarget(g);
      const spillDir = o.spillDir ?? settings.db_buffer.spill_dir;
      if (!existsSync(spillDir)) throw new CliError(`spill folder ${resolve(spillDir)} does not exist`);
      const report = progress(io, "replayed records");
      const result = await replaySpill({
        uri,
        dbName,
        spillDir,
        all: o.all,
        timeoutMs: o.timeout ?? 60_000,
        createIndexes: settings.databases.mongodb.create_collection_index,
        batchSize: settings.db_buffer.buffer_size,
        onProgress: (p) => report(p.written),
      });
      report(result.written, undefined, true);
      if (g.json) io.out(`${JSON.stringify(result)}\n`);
      else io.out(`replayed ${result.written} records from ${result.files} spill file(s)${result.remaining.length ? `; ${result.remaining.length} file(s) left: MongoDB at ${redactUri(uri)} did not take them` : ""}\n`);
      if (result.remaining.length) throw new CliError(`MongoDB at ${redactUri(uri)} is unreachable; spill files kept in ${resolve(spillDir)}`);
    });

  program
    .command("init-settings")
    .description("write a settings.yaml with every key and its default")
    .option("--path <file>", "where to write (default: FLOWCEPT_SETTINGS_PATH or ~/.flowcept/settings.yaml)")
    .option("--force", "overwrite an existing file")
    .action((o: { path?: string; force?: boolean }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const path = resolve(o.path ?? g.settings ?? process.env.FLOWCEPT_SETTINGS_PATH ?? join(homedir(), ".flowcept", "settings.yaml"));
      if (existsSync(path) && !o.force) throw new CliError(`${path} already exists; pass --force to overwrite it`);
      try {
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, `# flowcept-otel settings (Flowcept's keys where they apply)\n${toYaml(defaultSettings())}`);
      } catch (err) {
        throw new CliError(`cannot write ${path}: ${errorMessage(err)}`);
      }
      if (g.json) io.out(`${JSON.stringify({ path })}\n`);
      else io.out(`settings written to ${path}\n`);
    });

  program
    .command("check")
    .description("check that MongoDB is reachable and Flowcept's indexes are there")
    .option("--timeout <ms>", "how long to wait for MongoDB", parseLimit, 3000)
    .option("--create-indexes", "create missing indexes")
    .action(async (o: { timeout: number; createIndexes?: boolean }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const { uri, dbName } = mongoTarget(g);
      const client = new MongoClient(uri, { serverSelectionTimeoutMS: o.timeout, connectTimeoutMS: o.timeout });
      try {
        try {
          await client.db(dbName).command({ ping: 1 });
        } catch (err) {
          throw new CliError(`MongoDB at ${redactUri(uri)} is unreachable: ${errorMessage(err)}`);
        }
        const db = client.db(dbName);
        if (o.createIndexes) {
          const { ensureFlowceptIndexes } = await import("../../exporters/mongo/mongo-indexes.js");
          await ensureFlowceptIndexes(db);
        }
        const rows: Record<string, unknown>[] = [];
        for (const c of COLLECTIONS) {
          let present: string[] = [];
          try {
            present = (await db.collection(c.name).listIndexes().toArray()).map((i) => Object.keys(i.key as object)[0]!);
          } catch (err) {
            if ((err as { code?: number }).code !== 26) throw err; // 26: the collection does not exist yet
          }
          const missing = c.indexes.filter((i) => !present.includes(i.field)).map((i) => i.field);
          rows.push({ collection: c.name, indexes: c.indexes.length - missing.length, missing: missing.join(", "), ok: missing.length === 0 });
        }
        const ok = rows.every((r) => r.ok);
        if (g.json) io.out(`${JSON.stringify({ reachable: true, uri: redactUri(uri), db: dbName, collections: rows, ok })}\n`);
        else io.out(`MongoDB at ${redactUri(uri)} is reachable (database ${dbName})\n${formatTable(["collection", "indexes", "missing", "ok"], rows)}`);
        if (!ok) throw new CliError("some of Flowcept's indexes are missing; run `flowcept-otel check --create-indexes`");
      } finally {
        await client.close();
      }
    });

  return program;
}

/** Runs the program on `argv` (as `process.argv`); resolves to the exit code. */
export async function runCli(argv: string[] = process.argv, io: CliIo = PROCESS_IO, program: Command = buildCli(io)): Promise<number> {
  program.exitOverride();
  for (const c of program.commands) c.exitOverride();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (err instanceof CliError) {
      io.err(`flowcept-otel: error: ${err.message}\n`);
      return err.exitCode;
    }
    io.err(`flowcept-otel: error: ${errorMessage(err)}\n`);
    return 1;
  }
}
