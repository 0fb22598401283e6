/**
 * A workflow for the standard exports: a loop, nested tasks, a failing task,
 * a custom task, a task that writes a file and returns its path, values that
 * flow from task to task, and hostile values (large, binary, circular,
 * lone surrogates, NUL, odd keys and activity names). The store is the
 * settings' (FLOWCEPT_SETTINGS_PATH / the working directory); prints the
 * workflow id.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Flowcept, FlowceptLoop, FlowceptTask, flowceptTask } from "../../lib/index.js";

const load = flowceptTask({ outputNames: "dataset" }, function load(source: string) {
  return `${source}#loaded`;
});
const inner = flowceptTask({ outputNames: "score" }, function inner(x: number) {
  return x * 1.5;
});
const outer = flowceptTask({ outputNames: "total" }, function outer(dataset: string, n: number) {
  let total = 0.25;
  for (let i = 0; i < n; i++) total += inner(i + 0.5);
  return total + dataset.length;
});
const fails = flowceptTask(function fails(total: number) {
  throw new Error(`cannot accept ${total}: "quoted" <tag> & \u0000 nul`);
});
const save = flowceptTask({ outputNames: "path" }, function save(dir: string, total: number) {
  const path = join(dir, "result.json");
  writeFileSync(path, JSON.stringify({ total }));
  return path;
});
const hostile = flowceptTask({ activityId: "../odd activity \"name\"/ü" }, function hostile(big: string, bytes: Buffer, circular: object, odd: Record<string, unknown>) {
  return { echoed: big.length, lone: "a\ud800b", nul: "x\u0000y" };
});

const dir = process.argv[2] ?? process.cwd();
const workflowId = await Flowcept.run({ workflowName: "standards <demo> & \"co\"", workflowArgs: { source: "s3://bucket/raw/input.csv", n: 3 } }, async (fc) => {
  const dataset = load("s3://bucket/raw/input.csv");
  const total = outer(dataset, 3);
  try {
    fails(total);
  } catch {
    // recorded as ERROR
  }
  const loop = new FlowceptLoop([0.5, 0.25, 0.125], { loopName: "epochs", itemName: "lr" });
  for (const lr of loop) loop.endIter({ loss: total * lr });
  const custom = new FlowceptTask({ activityId: "publish", used: { path: save(dir, total) } });
  custom.end({ generated: { url: "https://example.org/results/result.json", published: true } });
  const circular: Record<string, unknown> = { name: "loop" };
  circular.self = circular;
  hostile("é".repeat(40_000), Buffer.from([0, 1, 2, 255]), circular, { "../../etc/passwd": 1, "__proto__": { x: 2 }, "a.b": "c", "$where": "1" });
  return fc.workflowId;
});
process.stdout.write(`${workflowId}\n`);
