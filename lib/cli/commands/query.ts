/** `flowcept-otel query`: run a MongoDB-language query over tasks (or another collection). */
import { resolve } from "node:path";
import { Option, type Command } from "commander";
import type { CollectionName, QueryProjection } from "../../query/query-types.js";
import { CliError } from "../CliError.js";
import { assertNotStoreFile, parseJsonArg, parseLimit, printRecords, progress, storeName, withDb, type CliIo } from "../cli-context.js";

/** The fields an inclusion projection names, in the order given: the table's columns. */
function projectedColumns(p: unknown): string[] {
  if (Array.isArray(p)) return p.map(String);
  if (p === null || typeof p !== "object") return [];
  return Object.entries(p)
    .filter(([, v]) => v === 1 || v === true)
    .map(([k]) => k);
}

/** Adds `query` to the program. */
export function addQueryCommand(program: Command, io: CliIo): void {
  program
    .command("query")
    .description("run a MongoDB-language query over tasks (or another collection)")
    .argument("<filter>", 'filter as JSON, e.g. \'{"status": "ERROR"}\'')
    .option("--projection <json>", 'fields to keep (columns in this order) or drop, e.g. \'{"task_id": 1}\' or \'["task_id", "status"]\'')
    .option("--sort <json>", 'sort order, e.g. \'{"started_at": -1}\'')
    .option("--limit <n>", "at most this many results", parseLimit)
    .addOption(new Option("--collection <name>", "collection to query").choices(["tasks", "workflows", "agents", "objects"]).default("tasks"))
    .option("--output <file>", "write the results to a file instead of printing them")
    .addOption(new Option("--format <format>", "file format of --output").choices(["jsonl", "csv"]).default("jsonl"))
    .action(async (filterText: string, o: { projection?: string; sort?: string; limit?: number; collection: CollectionName; output?: string; format: "jsonl" | "csv" }, cmd: Command) => {
      const filter = parseJsonArg(filterText, "the filter");
      // The API reads a null filter as "everything"; typed on a command line it is a mistake.
      if (filter === null) throw new CliError("a query filter must be an object, got null (use {} for every record)");
      const projection = o.projection === undefined ? undefined : parseJsonArg(o.projection, "--projection");
      const sort = o.sort === undefined ? undefined : parseJsonArg(o.sort, "--sort");
      await withDb(cmd, io, async (db, g) => {
        const opts = { collection: o.collection, projection: projection as QueryProjection | undefined, sort: sort as never, limit: o.limit };
        if (o.output) {
          assertNotStoreFile(db, o.output, "--output");
          const n = await db.exportQuery(filter as never, { ...opts, path: o.output, format: o.format, onProgress: progress(io, "exported") });
          if (g.json) io.out(`${JSON.stringify({ written: n, path: resolve(o.output), format: o.format })}\n`);
          else io.out(`${n} records written to ${resolve(o.output)}\n`);
          return;
        }
        const rows = await db.query(filter as never, opts);
        const preferred = projectedColumns(projection);
        printRecords(io, g, rows, preferred.length ? preferred : ["task_id", "workflow_id", "activity_id", "status", "name", "started_at", "ended_at"], `no ${o.collection} match in ${storeName(db)}`);
      });
    });
}
