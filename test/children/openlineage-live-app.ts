/**
 * An application with the live OpenLineage exporter beside the local store:
 * runs a small workflow, prints how long `Flowcept.run` took, and ends by
 * itself. Arguments: the lineage endpoint's URL, the store's path.
 */
import { Flowcept, FlowceptSpanProcessor, flowceptTask, registerFlowcept } from "../../lib/index.js";
import { JsonlRecordExporter, OpenLineageRecordExporter } from "../../exporters/index.js";

const [url, store] = process.argv.slice(2);
registerFlowcept({ processor: new FlowceptSpanProcessor({ exporters: [new JsonlRecordExporter({ path: store! }), new OpenLineageRecordExporter({ url: url!, namespace: "lab" })] }) });

const step = flowceptTask(function step(i: number) {
  return i * 2;
});
const t0 = performance.now();
await Flowcept.run({ workflowName: "live lineage" }, () => {
  for (let i = 0; i < 20; i++) step(i);
});
process.stdout.write(`run returned after ${Math.round(performance.now() - t0)} ms\n`);
