import { expect } from "chai";
import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { readBufferFile } from "../../../exporters/jsonl/buffer-file.js";
import { REPO_ROOT } from "../../support/paths.js";

const run = promisify(execFile);
const LIB = new URL("../../../lib/index.js", import.meta.url).href;

/** Runs a small ES module program (with the package and the SDK importable) and returns its store. */
async function program(body: string): Promise<{ stdout: string; records: ReturnType<typeof readBufferFile> }> {
  const dir = mkdtempSync(join(tmpdir(), "flowcept-pipeline-"));
  const path = join(dir, "buf.jsonl");
  const src = `
    import { trace } from "@opentelemetry/api";
    import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
    import { configure, Flowcept, FlowceptSpanProcessor, flowceptTask } from ${JSON.stringify(LIB)};
    configure({ project: { dump_buffer: { path: ${JSON.stringify(path)} } } });
    const step = flowceptTask(function step(x) { return x + 1; });
    ${body}`;
  const { stdout } = await run(process.execPath, ["--input-type=module", "-e", src], { cwd: REPO_ROOT });
  return { stdout, records: readBufferFile(path) };
}

describe("finding the provider that records Flowcept's spans", function () {
  this.timeout(30_000);

  it("uses the application's provider when a FlowceptSpanProcessor is in it (spans reach its other exporters too)", async () => {
    const { stdout, records } = await program(`
      const memory = new InMemorySpanExporter();
      const provider = new BasicTracerProvider({ spanProcessors: [new FlowceptSpanProcessor(), new SimpleSpanProcessor(memory)] });
      trace.setGlobalTracerProvider(provider);
      await Flowcept.run({ workflowName: "app" }, () => step(1));
      console.log(memory.getFinishedSpans().map((s) => s.name).sort().join(","));`);
    expect(stdout.trim()).to.equal("app,step");
    expect(records.filter((r) => r.activity_id === "step")).to.have.length(1);
  });

  it("records through a private provider when the application's provider has no Flowcept processor", async () => {
    const { stdout, records } = await program(`
      const memory = new InMemorySpanExporter();
      trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] }));
      await Flowcept.run({ workflowName: "private" }, () => step(2));
      console.log(memory.getFinishedSpans().length);`);
    expect(stdout.trim()).to.equal("0", "the probe span is never ended, so no exporter sees it");
    expect(records.find((r) => r.activity_id === "step")!.used).to.deep.equal({ x: 2 });
    expect(records.find((r) => r.type === "workflow")!.status).to.equal("FINISHED");
  });

  it("is not misled by a Flowcept processor attached to no registered provider", async () => {
    const { records } = await program(`
      const stray = new FlowceptSpanProcessor({ exporters: [] });
      await Flowcept.run({ workflowName: "stray" }, () => step(3));`);
    expect(records.filter((r) => r.activity_id === "step")).to.have.length(1);
    expect(records.filter((r) => r.type === "workflow")).to.have.length(1);
  });
});
