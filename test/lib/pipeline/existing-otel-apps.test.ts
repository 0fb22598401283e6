import { context, ROOT_CONTEXT, SpanKind, trace } from "@opentelemetry/api";
import { BasicTracerProvider } from "@opentelemetry/sdk-trace-base";
import { expect } from "chai";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { readBufferFile } from "../../../exporters/jsonl/buffer-file.js";
import { Flowcept } from "../../../lib/capture/Flowcept.js";
import { flowceptTask } from "../../../lib/capture/flowcept-task.js";
import { ATTR } from "../../../lib/records/attributes.js";
import { FlowceptPropagator } from "../../../lib/context/FlowceptPropagator.js";
import { registerFlowcept } from "../../../lib/pipeline/register-flowcept.js";
import { TRACER_NAME } from "../../../lib/process/version.js";
import { FlowceptSpanProcessor, type FlowceptSpanProcessorOptions } from "../../../lib/pipeline/FlowceptSpanProcessor.js";
import type { TaskRecord } from "../../../lib/records/records.js";
import { BAGGAGE_KEYS } from "../../../lib/context/workflow-baggage.js";
import { flowceptEnv, joinWorkflowFromEnv } from "../../../lib/context/workflow-env.js";
import { currentScope, removeAmbientScope } from "../../../lib/context/current-scope.js";
import { ControllableExporter } from "../../support/memory-exporter.js";
import { useTempStore } from "../../support/temp-store.js";
import { CHILDREN, REPO_ROOT } from "../../support/paths.js";

const run = promisify(execFile);

/** Ends spans named `names` under scopes; returns the activity ids the processor recorded. */
async function recorded(options: FlowceptSpanProcessorOptions, spans: [scope: string, name: string][]): Promise<string[]> {
  const exp = new ControllableExporter("local");
  const proc = new FlowceptSpanProcessor({ ...options, exporters: [exp] });
  const provider = new BasicTracerProvider({ spanProcessors: [proc] });
  for (const [scope, name] of spans) provider.getTracer(scope).startSpan(name).end();
  await proc.forceFlush();
  await proc.shutdown();
  await provider.shutdown();
  return exp.records.map((r) => r.activity_id as string);
}

const SPANS: [string, string][] = [
  ["@opentelemetry/instrumentation-http", "GET"],
  ["@opentelemetry/instrumentation-http", "GET /healthz"],
  ["@opentelemetry/instrumentation-pg", "pg.query:SELECT"],
  ["@opentelemetry/instrumentation-dns", "dns.lookup"],
  ["my-app", "job:nightly"],
];

describe("existing OTel apps: FlowceptSpanProcessor on spans of other instrumentations", () => {
  const store = useTempStore();
  // The capture API's own pipeline (context manager, provider): processors made here stand beside it.
  before(() => registerFlowcept());

  it("filters by instrumentation scope and span name, with include, exclude and a predicate", async () => {
    expect(await recorded({}, SPANS)).to.have.length(5);
    expect(await recorded({ include: { scopes: ["@opentelemetry/instrumentation-http", /pg$/] } }, SPANS)).to.deep.equal(["GET", "GET /healthz", "pg.query:SELECT"]);
    expect(await recorded({ include: { scopes: [/instrumentation-http/], names: ["GET"] } }, SPANS)).to.deep.equal(["GET"], "scopes AND names");
    expect(await recorded({ include: [{ scopes: [/pg$/] }, { names: [/^job:/g] }] }, SPANS)).to.deep.equal(["pg.query:SELECT", "job:nightly"], "any of several");
    expect(await recorded({ exclude: [{ scopes: [/dns/] }, { names: [/health/] }] }, SPANS)).to.deep.equal(["GET", "pg.query:SELECT", "job:nightly"]);
    expect(await recorded({ include: { scopes: [/^@opentelemetry\//] }, exclude: { names: ["dns.lookup"] }, spanFilter: (s) => s.name !== "GET" }, SPANS)).to.deep.equal(["GET /healthz", "pg.query:SELECT"]);
  });

  it("leaves Flowcept's own spans to the capture API, which records them (never twice)", async () => {
    const exp = new ControllableExporter("local");
    const proc = new FlowceptSpanProcessor({ exporters: [exp] });
    const provider = new BasicTracerProvider({ spanProcessors: [proc] });
    provider.getTracer(TRACER_NAME).startSpan("ours", { attributes: { [ATTR.TYPE]: "task" } }).end();
    provider.getTracer("other").startSpan("theirs").end();
    await proc.forceFlush();
    expect(exp.records.map((r) => r.activity_id)).to.deep.equal(["theirs"]);
    await proc.shutdown();
    await provider.shutdown();
  });

  it("redacts through the mask before records leave the process; a throwing mask keeps the record", async () => {
    const exp = new ControllableExporter("local");
    const proc = new FlowceptSpanProcessor({
      exporters: [exp],
      mask: (r) => {
        if (r.activity_id === "boom") throw new Error("mask bug");
        const used = r.used as Record<string, unknown> | undefined;
        return used && "password" in used ? { ...r, used: { ...used, password: "***" } } : r;
      },
    });
    const provider = new BasicTracerProvider({ spanProcessors: [proc] });
    provider.getTracer("db").startSpan("login", { attributes: { user: "ana", password: "hunter2" } }).end();
    provider.getTracer("db").startSpan("boom", { attributes: { note: "kept", password: "hunter2" } }).end();
    await proc.forceFlush();
    // The built-in rule has already hidden the password when the mask runs, and still does when the mask throws.
    expect(exp.records.map((r) => r.used)).to.deep.equal([{ user: "ana", password: "***" }, { note: "kept", password: "[REDACTED]" }]);
    await proc.shutdown();
    await provider.shutdown();
  });

  it("a span whose parent context carries workflow baggage (a request from another process) joins that workflow", async () => {
    const exp = new ControllableExporter("local");
    const proc = new FlowceptSpanProcessor({ exporters: [exp] });
    const provider = new BasicTracerProvider({ spanProcessors: [proc] });
    const wf = "0f8fad5b-d9cb-469f-a165-70867728950e";
    const carrier = {
      traceparent: `00-${wf.replace(/-/g, "")}-00f067aa0ba902b7-01`,
      baggage: `${BAGGAGE_KEYS.WORKFLOW_ID}=${wf},${BAGGAGE_KEYS.CAMPAIGN_ID}=camp%209,other=1`,
    };
    const incoming = new FlowceptPropagator().extract(ROOT_CONTEXT, carrier, { get: (c, k) => c[k as keyof typeof c], keys: (c) => Object.keys(c) });
    const serverSpan = provider.getTracer("http").startSpan("GET /x", { kind: SpanKind.SERVER }, incoming);
    await context.with(trace.setSpan(incoming, serverSpan), async () => {
      expect(Flowcept.currentWorkflowId).to.equal(wf);
      await flowceptTask(async function handler() {
        return 1;
      })();
    });
    serverSpan.end();
    await proc.forceFlush();
    const server = exp.records.find((r) => r.activity_id === "GET /x") as TaskRecord;
    expect(server).to.include({ workflow_id: wf, campaign_id: "camp 9", parent_task_id: `${wf.replace(/-/g, "")}-00f067aa0ba902b7` });
    const handler = (await store.tasks()).find((t) => t.activity_id === "handler")!;
    expect(handler).to.include({ workflow_id: wf, campaign_id: "camp 9", parent_task_id: server.task_id });
    await proc.shutdown();
    await provider.shutdown();
  });

  it("FlowceptPropagator and flowceptEnv() carry the workflow; joinWorkflowFromEnv() reads it back", async () => {
    let env: Record<string, string | undefined> = {};
    let headers: Record<string, string> = {};
    let taskId = "";
    const fc = await Flowcept.run({ workflowName: "env", campaignId: "c-1" }, async (fc) => {
      await flowceptTask(async function spawner() {
        const sc = trace.getActiveSpan()!.spanContext();
        taskId = `${sc.traceId}-${sc.spanId}`;
        env = { ...flowceptEnv() };
        new FlowceptPropagator().inject(context.active(), headers, { set: (c, k, v) => ((c as Record<string, string>)[k] = v) });
      })();
      return fc;
    });
    const trace32 = fc.workflowId.replace(/-/g, "");
    expect(env.TRACEPARENT).to.equal(`00-${trace32}-${taskId.split("-")[1]}-01`);
    expect(headers.traceparent).to.equal(env.TRACEPARENT);
    expect(decodeURIComponent(env.BAGGAGE!)).to.include(`${BAGGAGE_KEYS.WORKFLOW_ID}=${fc.workflowId}`).and.include(`${BAGGAGE_KEYS.CAMPAIGN_ID}=c-1`);

    const joined = joinWorkflowFromEnv(env)!;
    try {
      expect(joined).to.include({ workflowId: fc.workflowId, campaignId: "c-1", parentTaskId: taskId });
      expect(currentScope(ROOT_CONTEXT)).to.equal(joined, "ambient");
    } finally {
      removeAmbientScope(joined);
    }
    // Without baggage the workflow id is the trace id's UUID; no campaign.
    const bare = joinWorkflowFromEnv({ TRACEPARENT: env.TRACEPARENT })!;
    removeAmbientScope(bare);
    expect(bare).to.include({ workflowId: fc.workflowId, campaignId: "" });
    expect(joinWorkflowFromEnv({ TRACEPARENT: "00-garbage" })).to.equal(undefined);
    expect(flowceptEnv(ROOT_CONTEXT)).to.deep.equal({});
  });

  it("a NodeTracerProvider app with the http instrumentation records its spans as tasks (own process)", async function () {
    this.timeout(20_000);
    const dir = mkdtempSync(join(tmpdir(), "flowcept-foreign-"));
    try {
      const path = join(dir, "app.jsonl");
      await run(process.execPath, [join(CHILDREN, "foreign-app.js")], { cwd: REPO_ROOT, env: { ...process.env, BUFFER_PATH: path } });
      const records = readBufferFile(path);
      const tasks = records.filter((r): r is TaskRecord => r.type === "task");
      // Spans outside any workflow belong to the process's implicit workflow.
      const implicit = records.find((r) => r.type === "workflow")!;
      expect(implicit).to.include({ name: "foreign-app.js", subtype: "process" });
      for (const t of tasks) expect(t.workflow_id).to.equal(implicit.workflow_id);
      const job = tasks.find((t) => t.activity_id === "job:sync-users")!;
      expect(job.used).to.deep.equal({ "api.key": "[redacted]", batch: 3 });
      expect(job.custom_metadata).to.deep.equal({ otel_scope: "app" });
      expect(tasks.map((t) => t.activity_id)).to.not.include.members(["cache lookup", "GET /internal"]);
      const clients = tasks.filter((t) => t.subtype === "client");
      const servers = tasks.filter((t) => t.subtype === "server");
      expect(clients).to.have.length(2);
      expect(servers).to.have.length(2);
      for (const c of clients) {
        expect(c.parent_task_id).to.equal(job.task_id);
        expect(c.activity_id).to.equal("GET");
        const server = servers.find((s) => s.parent_task_id === c.task_id)!;
        expect(server, "server span under its client span").to.not.equal(undefined);
        expect(server.custom_metadata).to.deep.equal({ otel_scope: "@opentelemetry/instrumentation-http" });
        expect(server.used).to.include({ "http.request.method": "GET" });
      }
      const ok = servers.find((s) => s.used!["url.path"] === "/users")!;
      const failed = servers.find((s) => s.used!["url.path"] === "/fail")!;
      expect(ok).to.deep.include({ status: "FINISHED", used: { ...ok.used, "http.response.status_code": 200 } });
      expect(failed).to.deep.include({ status: "ERROR", used: { ...failed.used, "http.response.status_code": 500 } });
      for (const t of tasks) expect(t.task_id.split("-")[0]).to.equal(job.task_id.split("-")[0]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
