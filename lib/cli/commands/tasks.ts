/** `flowcept-otel tasks`: list the tasks of a workflow. */
import { Option, type Command } from "commander";
import { parseLimit, printRecords, withDb, type CliIo } from "../cli-context.js";
import { resolveWorkflow } from "../workflow-ref.js";
import { formatTokens, taskUsage } from "../../query/task-usage.js";

/** Adds `tasks` to the program. */
export function addTasksCommand(program: Command, io: CliIo): void {
  program
    .command("tasks")
    .description("list the tasks of a workflow, in start order (with agent, model and tokens for agentic tasks)")
    .argument("[workflow]", "workflow id or a unique prefix of it (default: the latest)")
    .addOption(new Option("--workflow-id <id>", "the workflow (same as the argument)").hideHelp())
    .option("--status <status>", "only tasks with this status (FINISHED, ERROR, RUNNING, …)")
    .option("--limit <n>", "at most this many tasks", parseLimit)
    .action(async (ref: string | undefined, o: { workflowId?: string; status?: string; limit?: number }, cmd: Command) => {
      await withDb(cmd, io, async (db, g) => {
        const wf = await resolveWorkflow(db, ref ?? o.workflowId);
        const filter: Record<string, unknown> = { workflow_id: wf.id };
        if (o.status !== undefined) filter.status = o.status.toUpperCase();
        const tasks = await db.taskQuery(filter, { sort: { started_at: 1 }, limit: o.limit });
        if (g.json) {
          io.out(`${JSON.stringify(tasks, null, 2)}\n`);
          return;
        }
        const rows = tasks.map((t) => {
          const row: Record<string, unknown> = {
            task_id: t.task_id,
            activity_id: t.activity_id,
            status: t.status,
            parent_task_id: t.parent_task_id,
            started_at: t.started_at,
            duration: typeof t.ended_at === "number" && typeof t.started_at === "number" ? t.ended_at - t.started_at : undefined,
          };
          // Agentic tasks: who ran them, with which model, and the tokens in/out (~ when estimated).
          if (typeof t.agent_id === "string") row.agent = t.agent_id;
          const usage = taskUsage(t);
          if (usage?.model !== undefined) row.model = usage.model;
          const tokens = usage === undefined ? undefined : formatTokens(usage);
          if (tokens !== undefined) row.tokens = tokens;
          return row;
        });
        printRecords(io, g, rows, [], `no tasks${o.status ? ` with status ${o.status.toUpperCase()}` : ""} in workflow ${wf.id} (${db.describe()})`);
      });
    });
}
