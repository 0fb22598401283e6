/** `flowcept-otel tasks`: list the tasks of a workflow. */
import type { Command } from "commander";
import { parseLimit, printRecords, withDb, type CliIo } from "../cli-context.js";
import { formatDuration, formatTime } from "../format.js";

/** Adds `tasks` to the program. */
export function addTasksCommand(program: Command, io: CliIo): void {
  program
    .command("tasks")
    .description("list the tasks of a workflow")
    .requiredOption("--workflow-id <id>", "the workflow")
    .option("--limit <n>", "at most this many tasks", parseLimit)
    .action(async (o: { workflowId: string; limit?: number }, cmd: Command) => {
      await withDb(cmd, async (db, g) => {
        const tasks = await db.taskQuery({ workflow_id: o.workflowId }, { sort: { started_at: 1 }, limit: o.limit });
        if (g.json) {
          io.out(`${JSON.stringify(tasks, null, 2)}\n`);
          return;
        }
        const rows = tasks.map((t) => ({
          task_id: t.task_id,
          activity_id: t.activity_id,
          status: t.status,
          parent_task_id: t.parent_task_id,
          started_at: formatTime(t.started_at),
          duration: formatDuration(typeof t.ended_at === "number" && typeof t.started_at === "number" ? t.ended_at - t.started_at : undefined),
        }));
        printRecords(io, g, rows, []);
      });
    });
}
