/** `flowcept-otel diff`: what changed between two runs — parameters, outputs, statuses, durations, environment. */
import type { Command } from "commander";
import { formatWorkflowDiff } from "../../query/workflow-diff.js";
import { InvalidArgumentError } from "commander";
import { withDb, type CliIo } from "../cli-context.js";
import { resolveWorkflow } from "../workflow-ref.js";

function parseRatio(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 1) throw new InvalidArgumentError("expected a number ≥ 1");
  return n;
}

/** Adds `diff` to the program. */
export function addDiffCommand(program: Command, io: CliIo): void {
  program
    .command("diff")
    .description("what changed between two runs: arguments, versions, machine, and per task used, generated, status, duration")
    .argument("<workflow-a>", "the first run (workflow id or a unique prefix of it)")
    .argument("<workflow-b>", "the second run")
    .option("--duration-ratio <r>", "list a task whose duration changed by at least this factor (default 1.5)", parseRatio)
    .option("--max-tasks <n>", "list at most this many differing tasks in the table (default 50)", (v) => Math.max(0, Number.parseInt(v, 10) || 0))
    .action(async (refA: string, refB: string, o: { durationRatio?: number; maxTasks?: number }, cmd: Command) => {
      await withDb(cmd, io, async (db, g) => {
        const a = await resolveWorkflow(db, refA);
        const b = await resolveWorkflow(db, refB);
        const diff = await db.diffWorkflows(a.id, b.id, { durationRatio: o.durationRatio });
        io.out(g.json ? `${JSON.stringify(diff, null, 2)}\n` : `${formatWorkflowDiff(diff, o.maxTasks ?? 50)}\n`);
      });
    });
}
