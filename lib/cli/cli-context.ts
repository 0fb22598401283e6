/** What every command shares: global options, settings, the query API, output helpers. */
import { realpathSync } from "node:fs";
import { resolve } from "node:path";
import { diag, DiagLogLevel } from "@opentelemetry/api";
import { InvalidArgumentError, type Command } from "commander";
import { bufferFileFamily } from "../../exporters/jsonl/buffer-file.js";
import { mongoDbNameFromSettings, mongoUriFromSettings } from "../../exporters/mongo/mongo-settings.js";
import { FlowceptDb } from "../query/FlowceptDb.js";
import { LocalQueryBackend } from "../query/LocalQueryBackend.js";
import { MongoQueryBackend } from "../query/MongoQueryBackend.js";
import { FlowceptQueryError } from "../query/query-types.js";
import { getSettings } from "../settings/settings-loader.js";
import { FlowceptSettingsError, type FlowceptSettings } from "../settings/settings.js";
import { errorMessage } from "../util/error-message.js";
import { MissingPeerError } from "../util/optional-peer.js";
import { CliError } from "./CliError.js";
import { columnsOf, formatTable, humanRow } from "./format.js";

/** Options every command accepts. */
export interface GlobalOptions {
  json?: boolean;
  raw?: boolean;
  wide?: boolean;
  mongoUri?: string;
  db?: string;
  bufferPath?: string;
  settings?: string;
}

/** Where a command writes, and what kind of terminal is there. */
export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Width of the terminal stdout goes to; undefined when it is not a terminal (no limit). */
  columns?: number | undefined;
  /** Whether stderr is a terminal: progress lines are shown only there. */
  errIsTTY?: boolean | undefined;
  /** Aborting it ends a long-running command (`watch`) as SIGINT does. */
  signal?: AbortSignal | undefined;
}

function terminalColumns(): number | undefined {
  if (process.stdout.isTTY) return process.stdout.columns;
  const env = Number(process.env.COLUMNS);
  return Number.isInteger(env) && env > 0 ? env : undefined;
}

/** The process's stdout and stderr. */
export const PROCESS_IO: CliIo = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  get columns() {
    return terminalColumns();
  },
  get errIsTTY() {
    return process.stderr.isTTY === true;
  },
};

/** Shows the library's warnings (settings typos, unreadable files…) on the command's stderr. */
export function logWarningsTo(io: CliIo): void {
  const write = (m: string): void => io.err(`flowcept-otel: ${m.replace(/^flowcept[^:]*: /, "")}\n`);
  diag.setLogger({ error: write, warn: write, info: () => undefined, debug: () => undefined, verbose: () => undefined }, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
}

/** Parses a JSON option or argument; the error names it. */
export function parseJsonArg(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new CliError(`${what} is not valid JSON (${errorMessage(err)}): ${text}`);
  }
}

/** A `--limit`-style option: a non-negative integer. */
export function parseLimit(v: string): number {
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

/** Reading a local store of more than this many bytes shows a progress line (on a terminal). */
const PROGRESS_MIN_BYTES = 4 * 1024 * 1024;

function megabytes(n: number): string {
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}

/** The query API the global options point at: `--mongo-uri`, `--buffer-path`, else settings. */
export function openDb(g: GlobalOptions, io: CliIo = PROCESS_IO): FlowceptDb {
  const settings = cliSettings(g);
  const local = (path: string): FlowceptDb => {
    const report = progress(io, `reading ${resolve(path)}`, PROGRESS_MIN_BYTES, megabytes);
    return new FlowceptDb({ backend: new LocalQueryBackend({ path, onProgress: (done, total) => report(done, total) }) });
  };
  if (g.mongoUri) return new FlowceptDb({ backend: new MongoQueryBackend({ uri: g.mongoUri, dbName: g.db ?? mongoDbNameFromSettings(settings) }) });
  if (g.bufferPath) {
    if (bufferFileFamily(g.bufferPath).length === 0) throw new CliError(`no local store at ${resolve(g.bufferPath)} (--buffer-path): the file does not exist`);
    return local(g.bufferPath);
  }
  if (settings.databases.mongodb.enabled) {
    return new FlowceptDb({ backend: new MongoQueryBackend({ uri: mongoUriFromSettings(settings), dbName: g.db ?? mongoDbNameFromSettings(settings) }) });
  }
  return local(settings.project.dump_buffer.path);
}

function realPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

/** Refuses an output file that is a file of the local store `db` reads: writing it would replace the records. */
export function assertNotStoreFile(db: FlowceptDb, output: string, option: string): void {
  if (db.backend.kind !== "local") return;
  const target = realPath(output);
  if (bufferFileFamily(db.describe()).some((f) => realPath(f) === target)) {
    throw new CliError(`${option} ${resolve(output)} is a file of the store being read; writing it would replace its records: give another file`);
  }
}

/** What a store holds, for messages: the store and, for a local store that is not there, that it is missing. */
export function storeName(db: FlowceptDb): string {
  const where = db.describe();
  return db.backend.kind === "local" && bufferFileFamily(where).length === 0 ? `${where} (the file does not exist)` : where;
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

/** Errors of the libraries a command uses, as {@link CliError}s. */
export function asCliError(err: unknown): unknown {
  if (err instanceof FlowceptQueryError || err instanceof MissingPeerError || err instanceof FlowceptSettingsError) return new CliError(err.message);
  return err;
}

/** Runs `fn` with the query API of the command's global options, closing it afterwards. */
export async function withDb<T>(cmd: Command, io: CliIo, fn: (db: FlowceptDb, g: GlobalOptions) => Promise<T>): Promise<T> {
  const g = cmd.optsWithGlobals<GlobalOptions>();
  let db: FlowceptDb;
  try {
    db = openDb(g, io);
  } catch (err) {
    throw asCliError(err);
  }
  try {
    return await fn(db, g);
  } catch (err) {
    throw asCliError(err);
  } finally {
    await db.close().catch(() => undefined);
  }
}

/**
 * Rows as JSON (`--json`) or a table: times and durations for people unless
 * `--raw`, fitted to the terminal unless `--wide`. `empty` is printed when
 * there are no rows.
 */
export function printRecords(io: CliIo, g: GlobalOptions, rows: Record<string, unknown>[], preferred: readonly string[], empty: string): void {
  if (g.json) {
    io.out(`${JSON.stringify(rows, null, 2)}\n`);
    return;
  }
  if (!rows.length) {
    io.out(`${empty}\n`);
    return;
  }
  io.out(formatTable(columnsOf(rows, preferred), rows.map((r) => humanRow(r, g.raw === true)), { width: io.columns, wide: g.wide }));
}

/**
 * A progress line on stderr, rewritten in place at most five times a
 * second — only when stderr is a terminal and the work is at least
 * `minTotal` big. The line is cleared when the work is done.
 */
export function progress(io: CliIo, label: string, minTotal = 0, unit: (n: number) => string = String): (done: number, total?: number) => void {
  let last = 0;
  let shown = false;
  return (done, total) => {
    if (!io.errIsTTY || (total !== undefined && total < minTotal)) return;
    const final = total !== undefined && done >= total;
    if (final) {
      if (shown) io.err("\r\x1b[K");
      shown = false;
      return;
    }
    const now = Date.now();
    if (now - last < 200) return;
    last = now;
    shown = true;
    io.err(`\r\x1b[K${label}: ${unit(done)}${total !== undefined ? ` of ${unit(total)}` : ""}`);
  };
}

/**
 * Progress of an operation made of steps, as lineage reports it
 * (`(step, done, total)`): a progress line per step, in MB for the steps
 * that read a store (`indexing …`), shown for big enough work only.
 */
export function stepProgress(io: CliIo): (step: string, done: number, total: number) => void {
  const lines = new Map<string, (done: number, total?: number) => void>();
  return (step, done, total) => {
    let line = lines.get(step);
    if (!line) lines.set(step, (line = step.startsWith("indexing ") ? progress(io, step, PROGRESS_MIN_BYTES, megabytes) : progress(io, step, 10_000)));
    line(done, total);
  };
}

/** Resolves on SIGINT, SIGTERM or the io's abort signal: how a long-running command is told to stop. */
export function untilStopped(io: CliIo): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
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
}
