/**
 * An application whose second exporter, a database without a synchronous
 * path, refuses every batch: it runs a small workflow and ends by itself.
 * Argument: the local store's path.
 */
import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import { configure, Flowcept, FlowceptSpanProcessor, flowceptTask, registerFlowcept, type FlowceptRecord, type RecordExporter } from "../../lib/index.js";
import { JsonlRecordExporter } from "../../exporters/index.js";

class RefusingExporter implements RecordExporter {
  readonly kind = "database" as const;
  export(_records: FlowceptRecord[], resultCallback: (result: ExportResult) => void): void {
    setTimeout(() => resultCallback({ code: ExportResultCode.FAILED, error: new Error("the service is down") }), 5);
  }
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

configure({ db_buffer: { stop_max_trials: 10, stop_trials_sleep: 0.1 } });
registerFlowcept({ processor: new FlowceptSpanProcessor({ exporters: [new JsonlRecordExporter({ path: process.argv[2]! }), new RefusingExporter()] }) });
const step = flowceptTask(function step(i: number) {
  return i * 2;
});
await Flowcept.run({ workflowName: "refused" }, () => {
  for (let i = 0; i < 10; i++) step(i);
});
process.stdout.write("run returned\n");
