/**
 * `flowcept-otel show`: the summary of a workflow: tasks per activity,
 * status counts, durations (default: the latest workflow).
 */
import type { Command } from "commander";
import { summarizeWorkflow, formatWorkflowSummary } from "../../query/workflow-summary.js";
import type { FlowceptRecord, WorkflowRecord } from "../../records/records.js";
import { CliError } from "../CliError.js";
import { withDb, type CliIo } from "../cli-context.js";

/** Adds `show` to the program. */
export function addShowCommand(program: Command, io: CliIo): void {
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
}
