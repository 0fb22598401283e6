/**
 * `flowcept-otel lineage`: where a task or value came from and what it
 * affected — control edges (parent task, loop) and dataflow edges (content
 * one task generated and a later task used) — as a table, JSON, Graphviz DOT
 * or Mermaid.
 */
import { InvalidArgumentError, Option, type Command } from "commander";
import { lineageEdgeRows, lineageNodeRows, lineageToDot, lineageToMermaid } from "../../query/lineage-formats.js";
import type { LineageDirection, LineageEdgeClass, LineageOptions } from "../../query/lineage-types.js";
import type { LineageRule } from "../../query/lineage-rule.js";
import { CliError } from "../CliError.js";
import { parseLimit, printRecords, stepProgress, withDb, type CliIo } from "../cli-context.js";

interface LineageCliOptions {
  value?: string;
  key?: string;
  workflowId?: string;
  upstream?: boolean;
  downstream?: boolean;
  depth?: number;
  edges?: LineageEdgeClass[];
  format: "table" | "json" | "dot" | "mermaid";
  minStringLength?: number;
  minInteger?: number;
  sameKey?: boolean;
  scope?: LineageRule["scope"];
}

function parseEdges(v: string): LineageEdgeClass[] {
  const parts = v.split(",").map((s) => s.trim());
  for (const p of parts) if (p !== "control" && p !== "dataflow") throw new InvalidArgumentError("expected control, dataflow or control,dataflow");
  return parts as LineageEdgeClass[];
}

/** A `--value` argument: JSON when it parses as JSON, else the text itself. */
function parseValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Adds `lineage` to the program. */
export function addLineageCommand(program: Command, io: CliIo): void {
  program
    .command("lineage")
    .description("where a task or value came from and what it affected: parent tasks, loops and values passed between tasks")
    .argument("[task]", "start from this task (its id, or a unique beginning or end of it)")
    .option("--value <value>", "start from this value (JSON, or plain text for a string), matched by content")
    .option("--key <key>", "only values under this key (with a task: that task's value under the key)")
    .option("--workflow-id <id>", "look for --value in this workflow only; alone, the whole workflow's graph")
    .option("--upstream", "ancestors only: where it came from")
    .option("--downstream", "descendants only: what it affected")
    .option("--depth <n>", "at most this many task-to-task steps (default: no limit)", parseLimit)
    .option("--edges <kinds>", "edges to follow: control, dataflow or control,dataflow (default)", parseEdges)
    .addOption(new Option("--format <format>", "output format").choices(["table", "json", "dot", "mermaid"]).default("table"))
    .option("--min-string-length <n>", "lineage rule: shorter strings link no tasks (default 3)", parseLimit)
    .option("--min-integer <n>", "lineage rule: integers of smaller magnitude link no tasks (default 1000)", parseLimit)
    .option("--same-key", "lineage rule: link only values recorded under the same key name")
    .addOption(new Option("--scope <scope>", "lineage rule: link values within a workflow or a campaign (default campaign)").choices(["workflow", "campaign"]))
    .addHelpText(
      "after",
      `
Values link tasks by content: a task that used a value is linked to the task that last generated the
same content before it started, in the same campaign. null, booleans, short strings and small integers
link nothing. Examples:
  flowcept-otel lineage 3f2a9c0e1b7d --upstream          where did this task's inputs come from?
  flowcept-otel lineage 3f2a9c0e1b7d --key loss          the lineage of this task's "loss"
  flowcept-otel lineage --value /data/model-7.pt --downstream --depth 2
  flowcept-otel lineage --workflow-id <id> --format dot | dot -Tsvg > lineage.svg`,
    )
    .action(async (task: string | undefined, o: LineageCliOptions, cmd: Command) => {
      if (task === undefined && o.value === undefined && o.workflowId === undefined) throw new CliError("give a task id, --value, or --workflow-id");
      if (task !== undefined && o.value !== undefined) throw new CliError("give a task id or --value, not both");
      const direction: LineageDirection = o.upstream && !o.downstream ? "upstream" : o.downstream && !o.upstream ? "downstream" : "both";
      const rule: Partial<LineageRule> = { minStringLength: o.minStringLength, minIntegerMagnitude: o.minInteger, sameKey: o.sameKey, scope: o.scope };
      const options: LineageOptions = {
        taskId: task,
        key: o.key,
        workflowId: o.workflowId,
        direction,
        depth: o.depth,
        edges: o.edges,
        rule,
        onProgress: stepProgress(io),
      };
      if (o.value !== undefined) options.value = parseValue(o.value);
      await withDb(cmd, io, async (db, g) => {
        const graph = await db.lineage(options);
        const format = g.json ? "json" : o.format;
        if (format === "json") io.out(`${JSON.stringify(graph, null, 2)}\n`);
        else if (format === "dot") io.out(lineageToDot(graph));
        else if (format === "mermaid") io.out(lineageToMermaid(graph));
        else {
          printRecords(io, g, lineageNodeRows(graph), ["depth", "side", "kind", "name", "id", "status", "started_at"], "no tasks");
          if (graph.edges.length) {
            io.out("\n");
            printRecords(io, g, lineageEdgeRows(graph), ["from", "edge", "to"], "no edges");
          }
        }
      });
    });
}
