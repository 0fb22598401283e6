/**
 * The `flowcept-otel` command-line program: queries over MongoDB or the
 * local store, workflow and task listings, replay of spill files, settings
 * initialisation, a MongoDB check, the file watcher, the ingest service, the
 * web UI and shell completion — one file per command in `commands/`. {@link buildCli}
 * returns the commander program so that other modules can add commands
 * before running it.
 *
 * One grammar for every command: a workflow is given as its id or a unique
 * prefix of it, and defaults to the latest; unknown ids and missing stores
 * exit 1 naming the store; usage errors exit 2; tables show local ISO times
 * and human durations (`--raw`: the numbers), fit the terminal (`--wide`:
 * every cell whole); `--json` for programs.
 */
import { Command, CommanderError } from "commander";
import { CliError } from "./CliError.js";
import { asCliError, logWarningsTo, PROCESS_IO, type CliIo } from "./cli-context.js";
import { printable } from "./format.js";
import { addCompletionCommand } from "./commands/completion.js";
import { VERSION } from "../process/version.js";
import { addCheckCommand } from "./commands/check.js";
import { addDiffCommand } from "./commands/diff.js";
import { addExportCommand } from "./commands/export.js";
import { addIngestCommand } from "./commands/ingest.js";
import { addLineageCommand } from "./commands/lineage.js";
import { addInitSettingsCommand } from "./commands/init-settings.js";
import { addQueryCommand } from "./commands/query.js";
import { addReplayCommand } from "./commands/replay.js";
import { addReportCommand } from "./commands/report.js";
import { addShowCommand } from "./commands/show.js";
import { addTasksCommand } from "./commands/tasks.js";
import { addUiCommand } from "./commands/ui.js";
import { addWatchCommand } from "./commands/watch.js";
import { addWorkflowsCommand } from "./commands/workflows.js";
import { errorMessage } from "../util/error-message.js";

/** `io` whose standard output shows the control characters of what it prints as escapes (progress lines on stderr keep theirs). */
function printableOut(io: CliIo): CliIo {
  return {
    out: (t) => io.out(printable(t)),
    err: io.err,
    get columns() {
      return io.columns;
    },
    get errIsTTY() {
      return io.errIsTTY;
    },
    get signal() {
      return io.signal;
    },
  };
}

/** Builds the program. `io` replaces stdout/stderr (tests, embedding). */
export function buildCli(io: CliIo = PROCESS_IO): Command {
  io = printableOut(io);
  const program = new Command("flowcept-otel")
    .description("Query and manage flowcept-otel provenance (MongoDB or the local JSONL store)")
    .version(VERSION, "-V, --version", "print the version")
    .option("--json", "print JSON instead of tables")
    .option("--raw", "print times and durations in tables as numbers (seconds since the epoch, seconds)")
    .option("--wide", "show every table cell whole instead of fitting the terminal")
    .option("--mongo-uri <uri>", "query this MongoDB instead of what settings say")
    .option("--db <name>", "MongoDB database name (default: databases.mongodb.db)")
    .option("--buffer-path <path>", "query this local store file (and its suffixed siblings)")
    .option("--settings <path>", "settings.yaml to use (default: FLOWCEPT_SETTINGS_PATH or ~/.flowcept/settings.yaml)")
    .showHelpAfterError()
    .configureOutput({ writeOut: io.out, writeErr: (t) => io.err(printable(t)) });

  addQueryCommand(program, io);
  addWorkflowsCommand(program, io);
  addShowCommand(program, io);
  addTasksCommand(program, io);
  addLineageCommand(program, io);
  addDiffCommand(program, io);
  addReportCommand(program, io);
  addExportCommand(program, io);
  addIngestCommand(program, io);
  addUiCommand(program, io);
  addWatchCommand(program, io);
  addReplayCommand(program, io);
  addInitSettingsCommand(program, io);
  addCheckCommand(program, io);
  addCompletionCommand(program, io);
  return program;
}

/** Runs the program on `argv` (as `process.argv`); resolves to the exit code. */
export async function runCli(argv: string[] = process.argv, io: CliIo = PROCESS_IO, program: Command = buildCli(io)): Promise<number> {
  program.exitOverride();
  for (const c of program.commands) c.exitOverride();
  logWarningsTo(io);
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (caught) {
    const err = asCliError(caught);
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (err instanceof CliError) {
      io.err(`flowcept-otel: error: ${printable(err.message)}\n`);
      return err.exitCode;
    }
    io.err(`flowcept-otel: error: ${printable(errorMessage(err))}\n`);
    return 1;
  }
}
