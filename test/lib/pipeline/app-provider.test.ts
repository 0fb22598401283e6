import { expect } from "chai";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { readBufferFile } from "../../../exporters/jsonl/buffer-file.js";
import type { FlowceptRecord, TaskRecord } from "../../../lib/records/records.js";
import { otlpReceiver } from "../../support/otlp-receiver.js";
import { CHILDREN, REPO_ROOT } from "../../support/paths.js";

const run = promisify(execFile);

interface SeenSpan {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  scope: string;
  workflowId?: string;
}

/** Runs `test/children/otel-app.js <scenario>` in a process of its own; returns what its exporter saw and the store. */
async function app(scenario: string, env: Record<string, string> = {}): Promise<{ workflowId: string; spans: SeenSpan[]; records: FlowceptRecord[]; raw: FlowceptRecord[]; stderr: string }> {
  const dir = mkdtempSync(join(tmpdir(), "flowcept-app-provider-"));
  try {
    const path = join(dir, "buf.jsonl");
    const { stdout, stderr } = await run(process.execPath, [join(CHILDREN, "otel-app.js"), scenario], { cwd: REPO_ROOT, env: { ...process.env, BUFFER_PATH: path, ...env } });
    const out = JSON.parse(stdout.trim().split("\n").pop()!) as { workflowId: string; spans: SeenSpan[] };
    return { ...out, records: readBufferFile(path), raw: readBufferFile(path, { merge: false }), stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const ACTIVITIES = ["outer", "inner", "epochs", "epochs_iteration", "custom"];

/** Every task of the workflow run by the child, once each, in that workflow, with the right parents. */
function checkRecords(records: FlowceptRecord[], raw: FlowceptRecord[], workflowId: string): TaskRecord[] {
  const tasks = records.filter((r): r is TaskRecord => r.type === "task" && r.workflow_id === workflowId);
  const count = (a: string) => tasks.filter((t) => t.activity_id === a).length;
  expect(ACTIVITIES.map(count)).to.deep.equal([1, 1, 1, 3, 1]);
  const ownTasks = (rs: FlowceptRecord[]) => rs.filter((r) => r.type === "task" && r.workflow_id === workflowId && (r as TaskRecord).custom_metadata?.otel_scope === undefined);
  expect(ownTasks(raw)).to.have.length(ownTasks(records).length, "never recorded twice");
  const wf = records.find((r) => r.type === "workflow" && r.workflow_id === workflowId)!;
  expect(wf.status).to.equal("FINISHED");
  expect(raw.filter((r) => r.type === "workflow" && r.workflow_id === workflowId)).to.have.length(2, "start and end messages");
  const outer = tasks.find((t) => t.activity_id === "outer")!;
  const loop = tasks.find((t) => t.activity_id === "epochs")!;
  expect(outer.generated).to.deep.equal({ y: 4 });
  expect(outer.parent_task_id).to.equal(undefined);
  expect(tasks.find((t) => t.activity_id === "inner")!.parent_task_id).to.equal(outer.task_id);
  for (const it of tasks.filter((t) => t.activity_id === "epochs_iteration")) expect(it).to.include({ parent_task_id: loop.task_id, group_id: loop.task_id });
  expect(new Set(tasks.map((t) => t.task_id)).size).to.equal(tasks.length);
  return tasks;
}

/** The spans the application's exporter received for that workflow: one trace (the workflow's), with the right parents. */
function checkTrace(spans: SeenSpan[], workflowId: string, tasks: TaskRecord[]): void {
  const traceId = workflowId.replace(/-/g, "");
  const ours = spans.filter((s) => s.scope === "flowcept-otel");
  const names = ours.map((s) => s.name).filter((n) => !n.startsWith("otel-") && n !== "fetchUsers");
  expect(names.sort()).to.deep.equal(["custom", "epochs", "epochs_iteration", "epochs_iteration", "epochs_iteration", "inner", "outer"]);
  expect(ours.filter((s) => s.name.startsWith("otel-"))).to.have.length(1);
  for (const s of ours) expect(s.traceId).to.equal(traceId);
  const wfSpan = ours.find((s) => s.name.startsWith("otel-"))!;
  expect(wfSpan.parentSpanId).to.equal(undefined, "the workflow span is the root of its trace");
  const byName = (n: string) => ours.find((s) => s.name === n)!;
  expect(byName("outer").parentSpanId).to.equal(wfSpan.spanId);
  expect(byName("inner").parentSpanId).to.equal(byName("outer").spanId);
  // The records' ids are the spans' ids.
  for (const t of tasks) expect(spans.some((s) => `${s.traceId}-${s.spanId}` === t.task_id), t.activity_id).to.equal(true);
}

describe("Flowcept's spans are the application's spans (each case in a process of its own)", function () {
  this.timeout(60_000);

  const CASES: [scenario: string, title: string][] = [
    ["app-provider", "NodeTracerProvider.register() without a FlowceptSpanProcessor: spans reach the app's exporter, records are captured"],
    ["app-provider-with-processor", "with a FlowceptSpanProcessor in the app's provider: the same spans, every record once"],
    ["own-context-manager", "an app that installs its own context manager: tasks still nest across await"],
  ];
  for (const [scenario, title] of CASES) {
    it(title, async () => {
      const { workflowId, spans, records, raw } = await app(scenario);
      checkTrace(spans, workflowId, checkRecords(records, raw, workflowId));
    });
  }

  it("a sampler that drops everything removes the spans, never the records (with a FlowceptSpanProcessor in that provider)", async () => {
    const { workflowId, spans, records, raw } = await app("sampled-out");
    expect(spans).to.have.length(0);
    checkRecords(records, raw, workflowId);
  });

  it("NodeSDK with the auto-instrumentations: HTTP client and server spans nest under the calling task and carry the workflow's ids", async () => {
    const { workflowId, spans, records, raw } = await app("nodesdk-http");
    const tasks = checkRecords(records, raw, workflowId);
    checkTrace(spans, workflowId, tasks);
    const traceId = workflowId.replace(/-/g, "");
    const fetch = spans.find((s) => s.name === "fetchUsers")!;
    const client = spans.find((s) => s.scope === "@opentelemetry/instrumentation-http" && s.parentSpanId === fetch.spanId)!;
    expect(client, "client span under the task").to.not.equal(undefined);
    const server = spans.find((s) => s.scope === "@opentelemetry/instrumentation-http" && s.parentSpanId === client.spanId)!;
    expect(server, "server span under the client span").to.not.equal(undefined);
    for (const s of [client, server]) expect(s).to.include({ traceId, workflowId });
    // The processor the app added records those spans as tasks of the workflow, under the calling task.
    const fetchTask = tasks.find((t) => t.activity_id === "fetchUsers")!;
    const httpTasks = records.filter((r): r is TaskRecord => r.type === "task" && ((r as TaskRecord).custom_metadata as { otel_scope?: string } | undefined)?.otel_scope === "@opentelemetry/instrumentation-http");
    expect(httpTasks).to.have.length(2);
    const clientTask = httpTasks.find((t) => t.parent_task_id === fetchTask.task_id)!;
    expect(clientTask).to.include({ workflow_id: workflowId, subtype: "client" });
    expect(httpTasks.find((t) => t.parent_task_id === clientTask.task_id)).to.include({ workflow_id: workflowId, subtype: "server" });
  });

  it("OTEL_SDK_DISABLED=true: no tracer provider and no spans exported, provenance still recorded with unique ids", async () => {
    const rcv = await otlpReceiver();
    try {
      const { workflowId, records, raw } = await app("sdk-disabled", { OTEL_SDK_DISABLED: "true", OTEL_EXPORTER_OTLP_ENDPOINT: rcv.url });
      expect(rcv.spans).to.have.length(0);
      const tasks = checkRecords(records, raw, workflowId);
      for (const t of tasks) expect(t.task_id.split("-")[0]).to.equal(workflowId.replace(/-/g, ""));
    } finally {
      await rcv.close();
    }
  });
});
