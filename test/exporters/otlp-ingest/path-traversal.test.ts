import { ROOT_CONTEXT, context, defaultTextMapGetter } from "@opentelemetry/api";
import { ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { expect } from "chai";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { readBufferFile } from "../../../exporters/jsonl/buffer-file.js";
import { Flowcept } from "../../../lib/capture/Flowcept.js";
import { flowceptTask } from "../../../lib/capture/flowcept-task.js";
import { FlowceptPropagator } from "../../../lib/context/FlowceptPropagator.js";
import { flushAllSinks } from "../../../lib/pipeline/record-sink.js";
import { TRACER_NAME } from "../../../lib/process/version.js";
import type { FlowceptRecord } from "../../../lib/records/records.js";
import { configure, resetSettings } from "../../../lib/settings/settings-loader.js";
import { finishedSpans, post } from "../../support/otlp-client.js";
import { startService } from "../../support/ingest-service.js";

const HOSTILE = ["x/../../../elsewhere/pwned", "../../pwned-too", "/tmp/absolute-pwned", ".."];

/** Every file under `root`, relative to it. */
function filesUnder(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(root, p));
    }
  };
  walk(root);
  return out;
}

/** The records of every JSONL file directly in `folder`. */
function storeRecords(folder: string): FlowceptRecord[] {
  return readdirSync(folder)
    .filter((f) => f.endsWith(".jsonl"))
    .flatMap((f) => readBufferFile(join(folder, f)));
}

describe("workflow ids never choose where records are written (append_workflow_id_to_path)", function () {
  this.timeout(60_000);
  let root: string;
  let store: string;
  beforeEach(() => {
    // The store sits three folders down, so `../../..` from it would land inside `root` where the test can see it.
    root = mkdtempSync(join(tmpdir(), "flowcept-traversal-"));
    store = join(root, "a", "b", "c");
    mkdirSync(store, { recursive: true });
  });
  afterEach(() => {
    resetSettings();
    rmSync(root, { recursive: true, force: true });
  });

  it("through the ingest service: spans with ids full of ../ are stored in files inside the store's folder", async () => {
    const settings = join(store, "settings.yaml");
    writeFileSync(settings, "project:\n  dump_buffer:\n    path: flowcept_buffer.jsonl\n    append_workflow_id_to_path: true\n");
    const service = await startService(store, [], { HOME: root, FLOWCEPT_SETTINGS_PATH: settings });
    try {
      const spans = await finishedSpans((tracer) => {
        for (const [i, id] of HOSTILE.entries()) {
          tracer(TRACER_NAME)
            .startSpan(`step-${i}`, { attributes: { "flowcept.type": "task", "flowcept.workflow_id": id } })
            .end();
        }
      });
      const res = await post(`${service.url}/v1/traces`, Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!), { "content-type": "application/x-protobuf" });
      expect(res.status, res.body.toString()).to.equal(200);
    } finally {
      service.child.kill("SIGTERM");
      await service.exited;
    }
    for (const f of filesUnder(root)) expect(f.startsWith(join("a", "b", "c")), `${f} is outside the store's folder`).to.equal(true);
    const ids = storeRecords(store).map((r) => r.workflow_id);
    expect(ids).to.have.members(HOSTILE);
  });

  it("through W3C baggage and options: a task or workflow under such an id is stored inside the store's folder", async () => {
    configure({ project: { dump_buffer: { path: join(store, "flowcept_buffer.jsonl"), append_workflow_id_to_path: true } } });
    const step = flowceptTask(function step(x: number) {
      return x + 1;
    });
    // A request from another process whose baggage names the workflow.
    const incoming = new FlowceptPropagator().extract(ROOT_CONTEXT, { baggage: "flowcept.workflow_id=x%2F..%2F..%2F..%2Felsewhere%2Fpwned" }, defaultTextMapGetter);
    await Flowcept.run({ workflowName: "host" }, () => context.with(incoming, () => step(1)));
    await Flowcept.run({ workflowName: "hostile options", workflowId: "../../../from-options" }, () => step(2));
    await flushAllSinks();
    for (const f of filesUnder(root)) expect(f.startsWith(join("a", "b", "c")), `${f} is outside the store's folder`).to.equal(true);
    const tasks = storeRecords(store).filter((r) => r.type === "task");
    expect(tasks.map((r) => r.workflow_id)).to.have.members(["x/../../../elsewhere/pwned", "../../../from-options"]);
  });
});
