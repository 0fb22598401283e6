/** `flowcept-otel replay`: write spill files left by processes that could not reach MongoDB. */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import { replayLocalSpill } from "../../../exporters/jsonl/local-spill.js";
import { replaySpill } from "../../../exporters/mongo/replay-spill.js";
import { redactUri } from "../../records/redact.js";
import { CliError } from "../CliError.js";
import { mongoTarget, parseLimit, progress, type CliIo, type GlobalOptions } from "../cli-context.js";

/** Adds `replay` to the program. */
export function addReplayCommand(program: Command, io: CliIo): void {
  program
    .command("replay")
    .description("write spill files left by processes that could not reach MongoDB (or, with --local, could not write the local store)")
    .option("--spill-dir <dir>", "folder of spill files (default: db_buffer.spill_dir)")
    .option("--all", "also take files of live processes and other hosts")
    .option("--timeout <ms>", "give up after this long (files not written are kept)", parseLimit)
    .option("--local", "append the local store's spill files to their stores")
    .action(async (o: { spillDir?: string; all?: boolean; timeout?: number; local?: boolean }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      if (o.local) {
        const result = replayLocalSpill({ spillDirs: o.spillDir === undefined ? undefined : [o.spillDir], all: o.all });
        if (g.json) io.out(`${JSON.stringify(result)}\n`);
        else io.out(`appended ${result.records} records from ${result.files} spill file(s)${result.stores.length ? ` to ${result.stores.join(", ")}` : ""}\n`);
        if (result.remaining.length) throw new CliError(`${result.remaining.length} spill file(s) kept: ${result.remaining.map((r) => `${r.path} (${r.store}: ${r.reason})`).join("; ")}`);
        return;
      }
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
      report(result.written, result.written);
      if (g.json) io.out(`${JSON.stringify(result)}\n`);
      else io.out(`replayed ${result.written} records from ${result.files} spill file(s)${result.remaining.length ? `; ${result.remaining.length} file(s) left: MongoDB at ${redactUri(uri)} did not take them` : ""}\n`);
      if (result.remaining.length) throw new CliError(`MongoDB at ${redactUri(uri)} is unreachable; spill files kept in ${resolve(spillDir)}`);
    });
}
