/**
 * MongoDB as the store, and queries over it with the same API as over the
 * local store. Needs `npm install mongodb` and a server:
 *
 *   FLOWCEPT_MONGO_URI=mongodb://localhost:27017 node dist/examples/mongodb.js
 */
import { Flowcept, flowceptTask } from "flowcept-otel";
import { FlowceptDb } from "flowcept-otel/query";

if (!process.env.FLOWCEPT_MONGO_URI) throw new Error("set FLOWCEPT_MONGO_URI to a MongoDB server, e.g. mongodb://localhost:27017");

const train = flowceptTask({ outputNames: "loss" }, function train(lr: number) {
  if (lr > 0.5) throw new Error(`learning rate ${lr} diverges`);
  return 1 / (1 + 10 * lr);
});

// #region mongodb
const workflowId = await Flowcept.run({ workflowName: "sweep" }, (fc) => {
  for (const lr of [0.01, 0.1, 1]) {
    try {
      train(lr);
    } catch {
      // recorded as an ERROR task
    }
  }
  return fc.workflowId;
}); // stop() waits until MongoDB has every record

const db = FlowceptDb.fromSettings(); // MongoDB when enabled, else the local store
const failed = await db.taskQuery({ workflow_id: workflowId, status: "ERROR" }, { projection: ["activity_id", "used", "stderr"] });
const best = await db.taskQuery({ workflow_id: workflowId, status: "FINISHED" }, { sort: { "generated.loss": 1 }, limit: 1 });
await db.close();
// #endregion mongodb

for (const t of failed) console.log(`failed: ${String(t.activity_id)} lr=${(t.used as { lr: number }).lr}: ${String(t.stderr)}`);
console.log(`best: lr=${(best[0]?.used as { lr: number }).lr} loss=${(best[0]?.generated as { loss: number }).loss.toFixed(3)}`);
console.log(`records in ${db.describe()}`);
