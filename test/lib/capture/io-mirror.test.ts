import { expect } from "chai";
import { capIo, IO_ATTR } from "../../../lib/capture/io-mirror.js";
import { LIB, runProgram } from "../../support/run-program.js";

type Attrs = Record<string, unknown>;

/**
 * Runs a task under a provider with an in-memory exporter (in a process of
 * its own) and returns the attributes of its span and its record's `used`.
 */
async function taskSpan(used: unknown, ioMaxBytes?: number): Promise<{ attrs: Attrs; recordUsed: unknown }> {
  const { stdout } = await runProgram(`
    import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
    import { mkdtempSync } from "node:fs";
    import { tmpdir } from "node:os";
    import { join } from "node:path";
    import { configure, Flowcept, flowceptTask, registerFlowcept } from ${LIB};
    const path = join(mkdtempSync(join(tmpdir(), "flowcept-io-")), "buf.jsonl");
    configure({ project: { dump_buffer: { path } } ${ioMaxBytes === undefined ? "" : `, otel: { io_max_bytes: ${ioMaxBytes} }`} });
    const memory = new InMemorySpanExporter();
    registerFlowcept({ spanProcessors: [new SimpleSpanProcessor(memory)] });
    const echo = flowceptTask(function echo(value) { return { echoed: value }; });
    await Flowcept.run({ workflowName: "io" }, () => echo(${JSON.stringify(used)}));
    const records = Flowcept.readBufferFile(path);
    const span = memory.getFinishedSpans().find((s) => s.name === "echo");
    console.log(JSON.stringify({ attrs: span.attributes, recordUsed: records.find((r) => r.activity_id === "echo").used }));`);
  return JSON.parse(stdout) as { attrs: Attrs; recordUsed: unknown };
}

describe("input.value / output.value mirrors on task spans", function () {
  this.timeout(30_000);

  it("mirror flowcept.used and flowcept.generated as JSON, with their mime types", async () => {
    const { attrs, recordUsed } = await taskSpan({ lr: 0.1 });
    expect(attrs[IO_ATTR.INPUT_VALUE]).to.equal(attrs["flowcept.used"]).and.equal('{"value":{"lr":0.1}}');
    expect(attrs[IO_ATTR.INPUT_MIME_TYPE]).to.equal("application/json");
    expect(attrs[IO_ATTR.OUTPUT_VALUE]).to.equal(attrs["flowcept.generated"]).and.equal('{"echoed":{"lr":0.1}}');
    expect(attrs[IO_ATTR.OUTPUT_MIME_TYPE]).to.equal("application/json");
    expect(recordUsed).to.deep.equal({ value: { lr: 0.1 } }, "records keep their fields; the mirrors are for viewers");
  });

  it("are cut to otel.io_max_bytes, and off at 0", async () => {
    const { attrs } = await taskSpan("x".repeat(500), 64);
    const input = attrs[IO_ATTR.INPUT_VALUE] as string;
    expect(Buffer.byteLength(input)).to.be.at.most(64);
    expect(input).to.match(/^\{"value":"xxx+…\[truncated, 512 bytes\]$/);
    expect(attrs[IO_ATTR.INPUT_MIME_TYPE]).to.equal("text/plain");
    expect((attrs["flowcept.used"] as string).length).to.equal(512, "the provenance value is not cut");

    const off = (await taskSpan(1, 0)).attrs;
    expect(off).to.not.have.any.keys(IO_ATTR.INPUT_VALUE, IO_ATTR.OUTPUT_VALUE, IO_ATTR.INPUT_MIME_TYPE, IO_ATTR.OUTPUT_MIME_TYPE);
  });

  it("never cut a character in half", () => {
    const json = JSON.stringify({ s: "é😀".repeat(40) });
    for (const max of [30, 31, 32, 33, 34, 35, 60]) {
      const { value, mime } = capIo(json, max);
      expect(Buffer.byteLength(value), String(max)).to.be.at.most(max);
      expect(value).to.not.include("\uFFFD");
      expect(mime).to.equal("text/plain");
      expect(json.startsWith(value.slice(0, value.indexOf("…")))).to.equal(true);
    }
    expect(capIo(json, 10_000)).to.deep.equal({ value: json, mime: "application/json" });
  });
});
