/**
 * `flowcept-otel show`: the summary of a workflow: status (and the error of
 * a failed one), tasks per activity, status counts, durations, and the
 * agents at work with their models and tokens (default: the latest workflow).
 */
import type { Command } from "commander";
import { summarizeWorkflow, formatWorkflowSummary } from "../../query/workflow-summary.js";
import type { FlowceptRecord, WorkflowRecord } from "../../records/records.js";
import { withDb, type CliIo } from "../cli-context.js";
import { resolveWorkflow } from "../workflow-ref.js";

/** Adds `show` to the program. */
export function addShowCommand(program: Command, io: CliIo): void {
  program
    .command("show")
    .description("the summary of a workflow: status, error, tasks per activity, durations, agents with their models and tokens")
    .argument("[workflow]", "workflow id or a unique prefix of it (default: the latest)")
    .action(async (ref: string | undefined, _o: unknown, cmd: Command) => {
      await withDb(cmd, io, async (db, g) => {
        const wf = await resolveWorkflow(db, ref);
        const tasks = await db.taskQuery({ workflow_id: wf.id });
        const agentIds = [...new Set(tasks.map((t) => t.agent_id).filter((a): a is string => typeof a === "string"))];
        const agents = agentIds.length ? await db.agentQuery({ agent_id: { $in: agentIds } }) : [];
        const summary = summarizeWorkflow(wf.record as WorkflowRecord | undefined, tasks as FlowceptRecord[], wf.id, db.describe(), agents as FlowceptRecord[]);
        io.out(g.json ? `${JSON.stringify(summary, null, 2)}\n` : `${formatWorkflowSummary(summary)}\n`);
      });
    });
}
