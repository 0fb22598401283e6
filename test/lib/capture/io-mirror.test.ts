import { trace } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { expect } from "chai";
import { Flowcept } from "../../../lib/capture/Flowcept.js";
import { flowceptTask } from "../../../lib/capture/flowcept-task.js";
import { capIo, IO_ATTR } from "../../../lib/capture/io-mirror.js";
import { configure } from "../../../lib/settings/settings-loader.js";
import { useTempStore } from "../../support/temp-store.js";

/** Runs a task and returns the attributes of its span (read after it ended). */
async function taskSpanAttributes(used: unknown): Promise<ReadableSpan["attributes"]> {
  let span: ReadableSpan | undefined;
  const echo = flowceptTask(function echo(value: unknown) {
    span = trace.getActiveSpan() as unknown as ReadableSpan;
    return { echoed: value };
  });
  await Flowcept.run({ workflowName: "io" }, () => echo(used));
  return span!.attributes;
}

describe("input.value / output.value mirrors on task spans", () => {
  const store = useTempStore();

  it("mirror flowcept.used and flowcept.generated as JSON, with their mime types", async () => {
    const attrs = await taskSpanAttributes({ lr: 0.1 });
    expect(attrs[IO_ATTR.INPUT_VALUE]).to.equal(attrs["flowcept.used"]).and.equal('{"value":{"lr":0.1}}');
    expect(attrs[IO_ATTR.INPUT_MIME_TYPE]).to.equal("application/json");
    expect(attrs[IO_ATTR.OUTPUT_VALUE]).to.equal(attrs["flowcept.generated"]).and.equal('{"echoed":{"lr":0.1}}');
    expect(attrs[IO_ATTR.OUTPUT_MIME_TYPE]).to.equal("application/json");
    const [task] = await store.tasks();
    expect(task!.used).to.deep.equal({ value: { lr: 0.1 } }, "records keep their fields; the mirrors are for viewers");
  });

  it("are cut to otel.io_max_bytes, and off at 0", async () => {
    configure({ otel: { io_max_bytes: 64 } });
    const attrs = await taskSpanAttributes("x".repeat(500));
    const input = attrs[IO_ATTR.INPUT_VALUE] as string;
    expect(Buffer.byteLength(input)).to.be.at.most(64);
    expect(input).to.match(/^\{"value":"xxx+…\[truncated, 512 bytes\]$/);
    expect(attrs[IO_ATTR.INPUT_MIME_TYPE]).to.equal("text/plain");
    expect((attrs["flowcept.used"] as string).length).to.equal(512, "the provenance value is not cut");

    configure({ otel: { io_max_bytes: 0 } });
    const off = await taskSpanAttributes(1);
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
