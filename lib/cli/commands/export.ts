/**
 * `flowcept-otel export`: a workflow in a provenance standard — W3C PROV
 * (PROV-JSON, PROV-O JSON-LD), a Workflow Run RO-Crate (Provenance Run
 * Crate profile), or OpenLineage RunEvents written as JSONL or POSTed to a
 * lineage endpoint.
 */
import { Option, type Command } from "commander";
import { EXPORT_FORMATS, type ExportFormat } from "../../query/standards/export-workflow.js";
import { CliError } from "../CliError.js";
import { assertNotStoreFile, type CliIo, parseLimit, progress, withDb } from "../cli-context.js";
import { resolveWorkflow } from "../workflow-ref.js";

interface ExportCliOptions {
  format: ExportFormat;
  out?: string;
  zip?: boolean;
  url?: string;
  apiKey?: string;
  namespace?: string;
  license?: string;
  maxInlineBytes?: number;
  retries?: number;
}

/** Adds `export` to the program. */
export function addExportCommand(program: Command, io: CliIo): void {
  program
    .command("export")
    .description("a workflow as W3C PROV (PROV-JSON, PROV-O JSON-LD), a Workflow Run RO-Crate, or OpenLineage run events")
    .argument("[workflow]", "workflow id or a unique prefix of it (default: the latest)")
    .addOption(new Option("--format <format>", "the standard").choices([...EXPORT_FORMATS]).makeOptionMandatory())
    .option("--out <path>", "write here: a file (prov-json, prov-jsonld, openlineage JSONL), a directory or a .zip file (ro-crate); default stdout")
    .option("--zip", "ro-crate: write a zip file even if --out does not end in .zip")
    .option("--url <url>", "openlineage: POST the events to this lineage endpoint (Marquez: http://host:5000, which means /api/v1/lineage); default $OPENLINEAGE_URL")
    .option("--api-key <key>", "openlineage: bearer token for --url (default $OPENLINEAGE_API_KEY)")
    .option("--namespace <name>", "openlineage: the job namespace (default flowcept)")
    .option("--retries <n>", "openlineage: attempts after the first for each event (default 5)", parseLimit)
    .option("--license <license>", "ro-crate: the crate's license, a URL (https://spdx.org/licenses/CC-BY-4.0) or a text")
    .option("--max-inline-bytes <n>", "values longer than this (JSON bytes) are given by size in PROV (default 65536) and as files in an RO-Crate (default 4096)", parseLimit)
    .addHelpText(
      "after",
      `
Values are entities identified by content (the lineage rule), shared by the task that generated them
and the tasks that used them. Examples:
  flowcept-otel export 3f2a --format prov-json --out run.prov.json
  flowcept-otel export 3f2a --format ro-crate --out run-crate.zip
  flowcept-otel export 3f2a --format openlineage --url http://localhost:5000 --namespace lab`,
    )
    .action(async (ref: string | undefined, o: ExportCliOptions, cmd: Command) => {
      const url = o.url ?? (o.format === "openlineage" ? process.env.OPENLINEAGE_URL || undefined : undefined);
      if (o.format === "ro-crate" && o.out === undefined) throw new CliError("an RO-Crate is a directory or a zip file: give --out");
      if (url !== undefined && o.format !== "openlineage") throw new CliError("--url is for --format openlineage");
      await withDb(cmd, io, async (db, g) => {
        if (o.out !== undefined) assertNotStoreFile(db, o.out, "--out");
        const wf = await resolveWorkflow(db, ref);
        const sent = progress(io, "events sent", 100);
        const r = await db.export({
          workflowId: wf.id,
          format: o.format,
          out: o.out,
          zip: o.zip,
          url,
          apiKey: o.apiKey ?? (process.env.OPENLINEAGE_API_KEY || undefined),
          namespace: o.namespace,
          retries: o.retries,
          license: o.license,
          maxInlineValueBytes: o.maxInlineBytes,
          onProgress: sent,
        });
        if (r.output === null && r.url === null) {
          io.out(o.format === "openlineage" ? (r.document as unknown[]).map((e) => `${JSON.stringify(e)}\n`).join("") : `${JSON.stringify(r.document, null, 1)}\n`);
          return;
        }
        if (g.json) {
          io.out(`${JSON.stringify({ format: r.format, workflow_id: r.workflow_id, output: r.output, url: r.url, tasks: r.tasks, counts: r.counts })}\n`);
          return;
        }
        const what = Object.entries(r.counts)
          .map(([k, v]) => `${v} ${k}`)
          .join(", ");
        if (r.output !== null) io.out(`${r.format} of ${r.workflow_id} (${r.tasks} tasks: ${what}) written to ${r.output}\n`);
        if (r.url !== null) io.out(`${r.counts.events} OpenLineage events of ${r.workflow_id} accepted by ${r.url}\n`);
      });
    });
}
