/**
 * The README's tracing stack, for real: the app exports OTLP/HTTP to the
 * OpenTelemetry Collector running collector-config.yaml unmodified, which
 * fans out to Jaeger and to `flowcept-otel ingest`.
 */
import { expect } from "chai";
import { join } from "node:path";
import type { FlowceptRecord } from "../../lib/records/records.js";
import { startApp, workflowRecords, lineCounts, type App } from "./support/app.js";
import { taskIdOf } from "../../lib/records/ids.js";
import { jaegerTrace, type JaegerSpan, type JaegerTrace } from "./support/jaeger-api.js";
import { launchChromium, openTrace } from "./support/jaeger-ui.js";
import { usePeers } from "./support/peers.js";
import { waitFor } from "./support/PeerProcess.js";
import { outputDir, startCollector, startIngest, startJaeger, type Collector, type Ingest, type Jaeger } from "./support/stack.js";

const TOKEN = "integration-token";

/** The task id of a span: its `flowcept.task_id`, else the one derived from its trace and span ids. */
function taskIdOfSpan(span: JaegerSpan): string {
  const explicit = span.attributes["flowcept.task_id"];
  return typeof explicit === "string" ? explicit : taskIdOf(span.traceId, span.spanId);
}

describe("integration: app → OpenTelemetry Collector → Jaeger and flowcept-otel ingest", function () {
  const peers = usePeers("otelcol", "jaeger");
  let dir: string;
  let jaeger: Jaeger | undefined;
  let ingest: Ingest | undefined;
  let collector: Collector | undefined;
  let app: App;
  let workflowId: string;
  let captured: Map<string, FlowceptRecord>;
  let stored: Map<string, FlowceptRecord>;
  let trace: JaegerTrace;

  before(async function () {
    dir = outputDir("collector-jaeger");
    jaeger = await startJaeger(peers.jaeger, dir);
    ingest = await startIngest(join(dir, "ingest"), TOKEN);
    collector = await startCollector(peers.otelcol, dir, { ingestUrl: ingest.url, ingestToken: TOKEN, jaegerOtlpGrpc: jaeger.otlpGrpc });
    app = startApp(dir, collector.otlpHttpUrl);
    workflowId = await app.workflowId();
    await app.finished();
    captured = workflowRecords(app.store, workflowId);
    // The collector batches for up to a second and then retries; wait until every record the app captured is stored.
    stored = await waitFor(`${captured.size} records in the ingest store`, () => {
      const s = workflowRecords(ingest!.store, workflowId);
      return s.size >= captured.size ? s : undefined;
    }, 60_000);
    trace = await waitFor("the whole trace in Jaeger", async () => {
      const t = await jaegerTrace(jaeger!.queryUrl, workflowId);
      return t && t.spans.length >= captured.size ? t : undefined;
    }, 60_000);
  });

  after(async () => {
    await collector?.process.stop();
    await ingest?.process.stop();
    await jaeger?.process.stop();
  });

  describe("collector → flowcept-otel ingest → local store", () => {
    it("stores every record the app captured in-process, each exactly once", () => {
      const kinds = [...captured.values()].map((r) => `${r.type}:${String(r.activity_id ?? r.name)}`);
      expect(kinds).to.include.members(["workflow:integration_pipeline", "task:download", "task:preprocess", "task:normalize", "task:train_step", "task:validate"]);
      expect([...stored.keys()].sort()).to.deep.equal([...captured.keys()].sort());
      const lines = lineCounts(ingest!.store, workflowId);
      const repeated = [...lines].filter(([, n]) => n !== 1);
      expect(repeated, "records stored more than once").to.deep.equal([]);
    });

    it("stores each record equal, field by field, to the one captured in-process", () => {
      for (const [id, mine] of captured) {
        const theirs = stored.get(id)!;
        const fields = new Set([...Object.keys(mine), ...Object.keys(theirs)]);
        for (const field of fields) expect(theirs[field], `${id} (${String(mine.activity_id ?? mine.name)}).${field}`).to.deep.equal(mine[field]);
      }
    });

    it("keeps the failing task's status and error through the collector", () => {
      const failed = [...stored.values()].filter((r) => r.activity_id === "validate" && r.status === "ERROR");
      expect(failed).to.have.length.greaterThan(0);
      for (const r of failed) expect(r.stderr).to.match(/too high to validate/);
    });
  });

  describe("Jaeger's HTTP query API", () => {
    it("holds the workflow as one trace whose id is the workflow id", () => {
      expect(trace.traceId).to.equal(workflowId.replaceAll("-", ""));
      expect(trace.spans).to.have.length(captured.size);
    });

    it("names every span after its activity and nests spans as the records do", () => {
      const names = trace.spans.map((s) => s.name).sort();
      const activities = [...captured.values()].map((r) => String(r.type === "workflow" ? r.name : r.activity_id)).sort();
      expect(names).to.deep.equal(activities);
      const workflowSpan = trace.spans.find((s) => s.attributes["flowcept.type"] === "workflow")!;
      expect(workflowSpan.name).to.equal("integration_pipeline");
      expect(workflowSpan.parentSpanId).to.equal(undefined);
      let nested = 0;
      for (const span of trace.spans.filter((s) => s !== workflowSpan)) {
        const rec = captured.get(`task:${taskIdOfSpan(span)}`);
        expect(rec, `${span.name}: its task record`).to.not.equal(undefined);
        expect(span.name).to.equal(rec!.activity_id);
        const parent = trace.spans.find((s) => s.spanId === span.parentSpanId);
        expect(parent, `${span.name}: parent span`).to.not.equal(undefined);
        if (rec!.parent_task_id === undefined) {
          expect(parent, `${span.name}: a top-level task is a child of the workflow span`).to.equal(workflowSpan);
        } else {
          expect(taskIdOfSpan(parent!), `${span.name}: parent task`).to.equal(rec!.parent_task_id);
          nested++;
        }
      }
      expect(nested, "nested tasks (normalize in preprocess, iterations in the loop)").to.be.at.least(4 + 3);
    });

    it("marks the failing task's span ERROR with an exception event", () => {
      const failing = trace.spans.filter((s) => s.name === "validate" && s.status.code === "ERROR");
      expect(failing).to.have.length.greaterThan(0);
      for (const span of failing) {
        const exception = span.events.find((e) => e.name === "exception");
        expect(exception, "exception event").to.not.equal(undefined);
        expect(String(exception!.attributes["exception.message"])).to.match(/too high to validate/);
      }
    });

    it("carries the flowcept.* attributes and the input.value/output.value mirrors", () => {
      const train = trace.spans.find((s) => s.name === "train_step")!;
      expect(train.attributes["flowcept.workflow_id"]).to.equal(workflowId);
      expect(captured.get(`task:${taskIdOfSpan(train)}`)?.activity_id).to.equal("train_step");
      expect(JSON.parse(String(train.attributes["flowcept.used"]))).to.include({ lr: 0.1 });
      expect(JSON.parse(String(train.attributes["flowcept.generated"]))).to.have.property("loss");
      expect(JSON.parse(String(train.attributes["input.value"]))).to.include({ lr: 0.1 });
      expect(train.attributes["input.mime_type"]).to.equal("application/json");
      expect(JSON.parse(String(train.attributes["output.value"]))).to.have.property("loss");
      expect(trace.serviceName).to.equal("flowcept-otel-integration");
    });
  });
  describe("Jaeger's UI in headless Chromium", () => {
    const ui = usePeers("chromium");

    it("opens the workflow's trace and shows every activity's span; the screenshot is in the test output", async () => {
      const browser = await launchChromium(ui.chromium);
      try {
        const names = [...new Set(trace.spans.map((s) => s.name))];
        const screenshot = join(dir, "jaeger-trace.png");
        const page = await openTrace(browser, jaeger!.queryUrl, trace.traceId, names, screenshot);
        process.stdout.write(`      ${page.ui === "jaeger-ui" ? "Jaeger UI" : "Jaeger placeholder page (no UI assets in this build): trace drawn from its query API"}; screenshot ${screenshot}\n`);
        for (const name of names) expect(page.text, name).to.include(name);
        expect(page.text).to.include(trace.traceId);
      } finally {
        await browser.close();
      }
    });
  });
});
