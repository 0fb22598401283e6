/** What every command shares: global options, settings, the query API, output helpers. */
import { resolve } from "node:path";
import { InvalidArgumentError, type Command } from "commander";
import { mongoDbNameFromSettings, mongoUriFromSettings } from "../../exporters/mongo/mongo-settings.js";
import { FlowceptDb } from "../query/FlowceptDb.js";
import { LocalQueryBackend } from "../query/LocalQueryBackend.js";
import { MongoQueryBackend } from "../query/MongoQueryBackend.js";
import { FlowceptQueryError } from "../query/query-types.js";
import { getSettings } from "../settings/settings-loader.js";
import { FlowceptSettingsError, type FlowceptSettings } from "../settings/settings.js";
import { errorMessage } from "../util/error-message.js";
import { CliError } from "./CliError.js";
import { columnsOf, formatTable } from "./format.js";

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

/** The process's stdout and stderr. */
export const PROCESS_IO: CliIo = {
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

/** Rows as JSON (`--json`) or a table. */
export function printRecords(io: CliIo, g: GlobalOptions, rows: Record<string, unknown>[], preferred: string[]): void {
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
export function progress(io: CliIo, label: string): (done: number, total?: number, final?: boolean) => void {
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
