/**
 * An application that exports its spans over OTLP/HTTP (to the collector
 * named by OTEL_EXPORTER_OTLP_ENDPOINT) and keeps its own local store
 * (BUFFER_PATH): the records a collector path must reproduce.
 *
 *   APP_MODE=example  tasks, a nested task, a loop, a custom task, a failing task
 *   APP_MODE=steady   STEADY_TASKS tasks, one every STEADY_INTERVAL_MS, printing `sent <n>` after each
 *
 * Prints `workflow <id>` first and `done` last.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { configure, Flowcept, FlowceptLoop, FlowceptTask, flowceptTask, registerFlowcept } from "flowcept-otel";

configure({ project: { dump_buffer: { path: process.env.BUFFER_PATH! } } });
const registration = registerFlowcept({ serviceName: process.env.OTEL_SERVICE_NAME ?? "flowcept-otel-integration" });

const normalize = flowceptTask({ outputNames: "value" }, function normalize(x: number, mean: number) {
  return x - mean;
});

const preprocess = flowceptTask({ outputNames: ["mean", "count"], tags: ["data"] }, async function preprocess(samples: number[]) {
  await sleep(2);
  const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
  for (const s of samples) normalize(s, mean); // nested tasks: preprocess is their parent
  return [mean, samples.length];
});

const trainStep = flowceptTask({ outputNames: "loss" }, async function train_step(epoch: number, lr: number) {
  await sleep(2);
  return 1 / (1 + epoch * lr * 10);
});

const validate = flowceptTask(function validate(loss: number) {
  if (loss > 0.6) throw new Error(`loss ${loss.toFixed(3)} is too high to validate`);
  return { accepted: true };
});

async function example(): Promise<void> {
  await Flowcept.run({ workflowName: "integration_pipeline", workflowSubtype: "ml_workflow", workflowArgs: { epochs: 3, lr: 0.1 } }, async (fc) => {
    process.stdout.write(`workflow ${fc.workflowId}\n`);
    const download = new FlowceptTask({ activityId: "download", used: { url: "https://example.org/data.csv" } });
    const samples = [3, 5, 7, 9];
    download.end({ generated: { rows: samples.length } });
    await preprocess(samples);
    const epochs = new FlowceptLoop(3, { loopName: "epochs", itemName: "epoch" });
    for (const epoch of epochs) {
      const loss = await trainStep(epoch, 0.1);
      epochs.endIter({ loss });
      try {
        validate(loss);
      } catch {
        // an ERROR task; the workflow goes on
      }
    }
  });
}

const tick = flowceptTask({ outputNames: "n" }, function tick(n: number) {
  return n;
});

async function steady(): Promise<void> {
  const count = Number(process.env.STEADY_TASKS ?? "100");
  const interval = Number(process.env.STEADY_INTERVAL_MS ?? "50");
  await Flowcept.run({ workflowName: "integration_steady" }, async (fc) => {
    process.stdout.write(`workflow ${fc.workflowId}\n`);
    for (let i = 0; i < count; i++) {
      tick(i);
      process.stdout.write(`sent ${i + 1}\n`);
      await sleep(interval);
    }
  });
}

await (process.env.APP_MODE === "steady" ? steady() : example());
await registration.shutdown();
process.stdout.write("done\n");
