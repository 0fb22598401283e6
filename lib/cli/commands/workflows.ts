/** `flowcept-otel workflows`: list workflows with status, task counts and duration. */
import type { Command } from "commander";
import { parseLimit, printRecords, storeName, withDb, type CliIo } from "../cli-context.js";

/** Adds `workflows` to the program. */
export function addWorkflowsCommand(program: Command, io: CliIo): void {
  program
    .command("workflows")
    .description("list workflows with status, task counts and duration")
    .option("--limit <n>", "at most this many workflows (newest first)", parseLimit)
    .action(async (o: { limit?: number }, cmd: Command) => {
      await withDb(cmd, io, async (db, g) => {
        const wfs = await db.workflowQuery({}, { sort: { started_at: -1 }, limit: o.limit });
        const counts = await db.taskCounts(wfs.map((w) => String(w.workflow_id)));
        const rows = wfs.map((w) => {
          const c = counts.get(String(w.workflow_id)) ?? { total: 0 };
          const duration = typeof w.ended_at === "number" && typeof w.started_at === "number" ? w.ended_at - w.started_at : undefined;
          return {
            workflow_id: w.workflow_id,
            name: w.name,
            status: w.status,
            tasks: c.total ?? 0,
            finished: c.FINISHED ?? 0,
            errors: c.ERROR ?? 0,
            started_at: w.started_at,
            duration,
          };
        });
        printRecords(io, g, rows, [], `no workflows in ${storeName(db)}`);
      });
    });
}
