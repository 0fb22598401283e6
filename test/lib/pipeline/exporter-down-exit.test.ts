import { expect } from "chai";
import { runNode } from "../telemetry/run-node.js";

const LIB = new URL("../../../lib/index.js", import.meta.url).href;
const API = import.meta.resolve("@opentelemetry/api");

describe("a program whose exporter takes nothing still ends", function () {
  this.timeout(120_000);

  it("exits on its own, after one report of the records it could not write", async () => {
    const r = await runNode(
      `
      const { diag, DiagLogLevel } = await import(${JSON.stringify(API)});
      const line = (m) => process.stderr.write(m + "\\n");
      diag.setLogger({ error: line, warn: line, info() {}, debug() {}, verbose() {} }, DiagLogLevel.WARN);
      const { Flowcept, configure, flowceptTask, registerFlowcept } = await import(${JSON.stringify(LIB)});
      // stop() waits at most stop_max_trials × stop_trials_sleep for the records (30 s by default).
      configure({ db_buffer: { stop_max_trials: 10, stop_trials_sleep: 0.1 } });
      // A database that is down, with no synchronous path and no spill file of its own.
      const down = {
        kind: "database",
        export(records, cb) { setTimeout(() => cb({ code: 1, error: new Error("connection refused") }), 5); },
        forceFlush: () => Promise.resolve(),
        shutdown: () => Promise.resolve(),
      };
      registerFlowcept({ processor: { exporters: [down] } });
      const work = flowceptTask(function work(x) { return x + 1; });
      const fc = new Flowcept({ workflowName: "down" });
      await fc.start();
      for (let i = 0; i < 1000; i++) work(i);
      await fc.stop();
      process.stdout.write("stopped\\n");
      `,
      { limitMs: 90_000 },
    );
    expect(r.timedOut, "the process was still running").to.equal(false);
    expect(r.stdout).to.include("stopped");
    expect(r.stderr).to.match(/records could not be written at exit/);
  });
});
