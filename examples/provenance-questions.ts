/**
 * The questions provenance answers, on two runs of a small pipeline with
 * another learning rate: where a model came from (lineage), what changed
 * between the runs (diff), and what happened in a run (the workflow card).
 *
 *   node dist/examples/provenance-questions.js
 */
import { Flowcept, flowceptTask } from "flowcept-otel";
import { formatWorkflowDiff, lineageToMermaid } from "flowcept-otel/query";

const prepare = flowceptTask({ outputNames: "dataset" }, function prepare(source: string) {
  return `${source}.parquet`;
});
const train = flowceptTask({ outputNames: ["model", "loss"] }, function train(dataset: string, lr: number) {
  return [`/models/${dataset.length}-${lr}.pt`, 1 / (1 + 10 * lr)];
});
const evaluate = flowceptTask({ outputNames: "accuracy" }, function evaluate(model: string) {
  return model.includes("0.1") ? 0.93 : 0.88;
});

async function pipeline(lr: number): Promise<string> {
  return Flowcept.run({ workflowName: "questions", workflowArgs: { lr } }, (fc) => {
    const [model] = train(prepare("/data/raw"), lr) as [string, number];
    evaluate(model);
    return fc.workflowId;
  });
}
const first = await pipeline(0.1);
const second = await pipeline(0.05);

// #region lineage
// Where did the model the second run evaluated come from?
const g = await Flowcept.db.lineage({ value: "/models/17-0.05.pt", direction: "upstream" });
console.log(g.nodes.map((n) => (n.kind === "task" ? n.activity_id : `value ${JSON.stringify(n.value)}`)).join(" ← "));
console.log(lineageToMermaid(g).split("\n")[0]); // also lineageToDot(g), or JSON: { nodes, edges }
// #endregion lineage

// #region diff
const diff = await Flowcept.db.diffWorkflows(first, second);
console.log(diff.metadata.map((m) => `${m.field}: ${String(m.a)} → ${String(m.b)}`).join("\n"));
console.log(formatWorkflowDiff(diff).split("\n").find((l) => l.startsWith("Tasks:")));
// #endregion diff

// #region report
const card = await Flowcept.generateReport({ workflowId: second, format: "md", outputPath: "WORKFLOW_CARD.md" });
console.log(`${card.output}: ${card.content.split("\n")[0]}`);
// #endregion report
