/**
 * `flowcept-otel report`: a workflow's report — the Markdown workflow card,
 * or a self-contained HTML page with charts (timeline, durations, telemetry,
 * lineage).
 */
import { Option, type Command } from "commander";
import { ReportError } from "../../report/ReportError.js";
import { generateReport } from "../../report/generate-report.js";
import { CliError } from "../CliError.js";
import { assertNotStoreFile, stepProgress, withDb, type CliIo } from "../cli-context.js";
import { resolveWorkflow } from "../workflow-ref.js";

/** Adds `report` to the program. */
export function addReportCommand(program: Command, io: CliIo): void {
  program
    .command("report")
    .description("a workflow's report: the Markdown workflow card, or an HTML page with charts (one file, nothing fetched)")
    .argument("[workflow]", "workflow id or a unique prefix of it (default: the latest)")
    .addOption(new Option("--format <format>", "md (the workflow card) or html (with charts)").choices(["md", "markdown", "html"]).default("md"))
    .option("--out <file>", "write the report to this file instead of printing it")
    .action(async (ref: string | undefined, o: { format: "md" | "markdown" | "html"; out?: string }, cmd: Command) => {
      await withDb(cmd, io, async (db, g) => {
        if (o.out !== undefined) assertNotStoreFile(db, o.out, "--out");
        const wf = await resolveWorkflow(db, ref);
        try {
          const r = await generateReport({ db, workflowId: wf.id, format: o.format, outputPath: o.out, onProgress: stepProgress(io) });
          if (o.out === undefined) io.out(r.content);
          else if (g.json) io.out(`${JSON.stringify({ output: r.output, format: r.format, workflow_id: r.workflow_id, tasks: r.tasks, activities: r.activities })}\n`);
          else io.out(`${r.format === "html" ? "HTML report" : "Workflow card"} of ${r.workflow_id} (${r.tasks} tasks, ${r.activities} activities) written to ${r.output}\n`);
        } catch (err) {
          if (err instanceof ReportError) throw new CliError(err.message);
          throw err;
        }
      });
    });
}
