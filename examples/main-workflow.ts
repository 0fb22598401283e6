/**
 * The README's main job: a small data pipeline captured to the local store
 * (`flowcept_buffer.jsonl` in the working directory), then a summary of the
 * captured workflow read back from that store.
 *
 *   npm start
 *   node dist/examples/main-workflow.js --lr 0.05   # another learning rate: compare the runs with `flowcept-otel diff`
 */
import { setTimeout as sleep } from "node:timers/promises";
import { Flowcept, FlowceptLoop, FlowceptTask, flowceptTask, lightweightFlowceptTask, type TaskRecord, type WorkflowRecord } from "flowcept-otel";
import { formatWorkflowSummary, summarizeWorkflow } from "flowcept-otel/query";

const normalize = flowceptTask({ outputNames: "value" }, function normalize(x: number, mean: number, std: number) {
  return (x - mean) / std;
});

// A task that calls another task: `normalize` records `preprocess` as its parent.
const preprocess = flowceptTask({ outputNames: ["mean", "std", "count"], tags: ["data"] }, async function preprocess(samples: number[]) {
  await sleep(5);
  const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
  const std = Math.sqrt(samples.reduce((a, b) => a + (b - mean) ** 2, 0) / samples.length);
  for (const s of samples) normalize(s, mean, std);
  return [mean, std, samples.length];
});

const trainStep = flowceptTask({ outputNames: "loss" }, async function trainStep(epoch: number, lr: number) {
  await sleep(3);
  return 1 / (1 + epoch * lr * 10);
});

const score = lightweightFlowceptTask({ outputNames: "score" }, function score(prediction: number, label: number) {
  return prediction === label ? 1 : 0;
});

const validate = flowceptTask(function validate(loss: number) {
  if (loss > 0.9) throw new Error(`loss ${loss.toFixed(3)} is too high to validate`);
  return { accepted: true };
});

const lrFlag = process.argv.indexOf("--lr");
const lr = lrFlag === -1 ? 0.1 : Number(process.argv[lrFlag + 1]);

const workflowId = await Flowcept.run(
  { workflowName: "example_pipeline", workflowSubtype: "ml_workflow", workflowArgs: { epochs: 5, lr } },
  async (fc) => {
    // A custom task: work that is not one function call.
    const download = new FlowceptTask({ activityId: "download", used: { url: "https://example.org/data.csv" } });
    await sleep(10);
    const samples = Array.from({ length: 20 }, (_, i) => Math.sin(i) * 10 + 50);
    download.end({ generated: { rows: samples.length, bytes: samples.length * 8 } });

    await preprocess(samples);

    // A loop: each epoch is an iteration task with what it produced.
    const epochs = new FlowceptLoop(5, { loopName: "epochs", itemName: "epoch" });
    for (const epoch of epochs) {
      const loss = await trainStep(epoch, lr);
      epochs.endIter({ loss });
      try {
        validate(loss);
      } catch {
        // recorded as an ERROR task; the pipeline goes on
      }
    }

    for (let i = 0; i < 100; i++) score(i % 3, i % 2);
    return fc.workflowId;
  },
);

const path = Flowcept.db.describe();
const records = Flowcept.readBufferFile().filter((r) => r.workflow_id === workflowId);
const workflow = records.find((r): r is WorkflowRecord => r.type === "workflow");
const tasks = records.filter((r): r is TaskRecord => r.type === "task");
process.stdout.write(`${formatWorkflowSummary(summarizeWorkflow(workflow, tasks, workflowId, path))}\n`);
process.stdout.write(
  `\nOne JSON record per line (Flowcept's format); every run is appended. Query it with\n` +
    `  npx flowcept-otel workflows\n  npx flowcept-otel show ${workflowId}\n  npx flowcept-otel query '{"status": "ERROR"}'\n` +
    `  npx flowcept-otel lineage --workflow-id ${workflowId}\n  npx flowcept-otel report ${workflowId} --format html --out report.html\n` +
    `or open it in a browser: npx flowcept-otel ui --open\n`,
);
