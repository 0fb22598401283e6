/**
 * The OTel side, side by side in one run (interleaved rounds, medians of CPU
 * time):
 * 1. ingest throughput: spans/s decoded from protobuf batches of 512 spans,
 *    mapped, and stored to the local JSONL store — by stage, and over HTTP
 *    (gzip, both ends in this process, so the figure includes the client);
 * 2. the processor's added latency on a foreign span: the same provider
 *    with and without `FlowceptSpanProcessor`, on the call path (mapping is
 *    deferred to a batch) and in total (mapping and JSONL write included);
 * 3. the cost of the `input.value` / `output.value` mirrors on a
 *    `flowceptTask` call (`otel.io_max_bytes` on and off).
 *
 * `npm run bench -- otel`, or `node dist/bench/otel.js` after a build.
 */
import { ROOT_CONTEXT, SpanKind, TraceFlags, trace, type Context, type Tracer } from "@opentelemetry/api";
import { ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { mkdtempSync, rmSync } from "node:fs";
import { request, Agent } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { exportToAll } from "../lib/pipeline/export-records.js";
import { JsonlRecordExporter } from "../exporters/jsonl/JsonlRecordExporter.js";
import { OtlpIngestServer } from "../exporters/otlp-ingest/OtlpIngestServer.js";
import { decodeTraceRequest } from "../exporters/otlp-ingest/otlp-protobuf.js";
import { otlpRequestToRecords } from "../exporters/otlp-ingest/otlp-records.js";
import { FlowceptSpanProcessor } from "../lib/pipeline/FlowceptSpanProcessor.js";
import { Flowcept } from "../lib/capture/Flowcept.js";
import { flowceptTask } from "../lib/capture/flowcept-task.js";
import { configure, resetSettings } from "../lib/settings/settings-loader.js";
import { TRACER_NAME } from "../lib/process/version.js";
import { remoteScope } from "../lib/context/workflow-scope.js";
import { contextWithScope } from "../lib/context/current-scope.js";
import { cpuNs, fmtNs, heading, interleave, median, table, timeOps } from "./stats.js";
import { flushAllSinks } from "../lib/pipeline/record-sink.js";

const BATCH = 512;
const WF = "4b1e6f0a-1111-4222-8333-444455556666";

/** One batch as an app sends it: mostly Flowcept task spans, some http/db spans of other instrumentations. */
function batchSpans(seed: number): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] });
  const ours = provider.getTracer(TRACER_NAME);
  const http = provider.getTracer("@opentelemetry/instrumentation-http");
  for (let i = 0; i < BATCH; i++) {
    const n = seed * BATCH + i;
    if (i % 8 === 7) {
      http
        .startSpan("GET", {
          kind: SpanKind.CLIENT,
          attributes: { "http.request.method": "GET", "url.full": `http://svc:8080/items/${n}`, "http.response.status_code": 200, "server.port": 8080 },
        })
        .end();
      continue;
    }
    const s = ours.startSpan("train_step", {
      attributes: {
        "flowcept.type": "task",
        "flowcept.workflow_id": WF,
        "flowcept.campaign_id": "campaign-7",
        "flowcept.used": JSON.stringify({ epoch: n % 10, lr: 0.001, batch_size: 64, dataset: "mnist" }),
        "input.value": JSON.stringify({ epoch: n % 10, lr: 0.001, batch_size: 64, dataset: "mnist" }),
        "input.mime_type": "application/json",
      },
    });
    s.setAttribute("flowcept.generated", JSON.stringify({ loss: 1 / (n + 1), accuracy: 0.9 }));
    s.setAttribute("output.value", JSON.stringify({ loss: 1 / (n + 1), accuracy: 0.9 }));
    s.setAttribute("output.mime_type", "application/json");
    s.setStatus({ code: 1 });
    s.end();
  }
  const spans = memory.getFinishedSpans();
  void provider.shutdown();
  return spans;
}

function post(agent: Agent, url: string, body: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/v1/traces`, { method: "POST", agent, headers: { "content-type": "application/x-protobuf", "content-encoding": "gzip", "content-length": String(body.length) } }, (res) => {
      res.resume();
      res.on("end", () => (res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`))));
    });
    req.on("error", reject);
    req.end(body);
  });
}

async function ingestThroughput(dir: string): Promise<void> {
  const BATCHES = 16;
  const ROUNDS = 15;
  const bodies = Array.from({ length: BATCHES }, (_, i) => Buffer.from(ProtobufTraceSerializer.serializeRequest(batchSpans(i))!));
  const gzipped = bodies.map((b) => gzipSync(b));
  const store = new JsonlRecordExporter({ path: join(dir, "ingest.jsonl") });
  const spans = BATCHES * BATCH;
  const server = new OtlpIngestServer({ port: 0, exporters: [new JsonlRecordExporter({ path: join(dir, "ingest-http.jsonl") })] });
  const url = await server.start();
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  const perSpan = (ns: number): number => ns / spans;
  try {
    heading(`ingest: CPU time per span, protobuf batches of ${BATCH} spans (7/8 Flowcept task spans, 1/8 http client spans), median of ${ROUNDS} rounds of ${spans} spans`);
    const results = await interleave(
      [
        { name: "decode (protobufjs, official .proto)", run: () => perSpan(timeOps(BATCHES, (i) => void decodeTraceRequest(bodies[i]!)) * BATCHES) },
        { name: "decode + map (otlpSpanToData, spanToRecord)", run: () => perSpan(timeOps(BATCHES, (i) => void otlpRequestToRecords(decodeTraceRequest(bodies[i]!))) * BATCHES) },
        {
          name: "decode + map + store (local JSONL store)",
          run: async () => {
            const t0 = process.cpuUsage();
            for (const b of bodies) await exportToAll([store], otlpRequestToRecords(decodeTraceRequest(b)).records);
            return perSpan(cpuNs(t0));
          },
        },
        {
          name: "over HTTP, gzip, 4 requests at a time (client in this process too)",
          run: async () => {
            const t0 = process.cpuUsage();
            for (let i = 0; i < BATCHES; i += 4) await Promise.all(gzipped.slice(i, i + 4).map((b) => post(agent, url, b)));
            return perSpan(cpuNs(t0));
          },
        },
      ],
      ROUNDS,
    );
    const rows = [["stage", "median/span", "spans/s (CPU)", "min", "max"]];
    for (const [name, xs] of results) rows.push([name, fmtNs(median(xs)), Math.round(1e9 / median(xs)).toLocaleString("en-US"), fmtNs(Math.min(...xs)), fmtNs(Math.max(...xs))]);
    process.stdout.write(`${table(rows)}\n`);
    const stored = median(results.get("decode + map + store (local JSONL store)")!);
    process.stdout.write(`target ≥ 100,000 spans/s decoded and stored: ${Math.round(1e9 / stored).toLocaleString("en-US")} spans/s (${(1e9 / stored / 100_000).toFixed(2)}x the target)\n`);
  } finally {
    agent.destroy();
    await server.close();
    await store.shutdown();
  }
}

/** Foreign span start+end, in bursts below the processor's batch size so the mapping stays off the call path. */
function burst(tracer: Tracer, n: number, i0: number, ctx: Context): void {
  for (let i = 0; i < n; i++) {
    tracer.startSpan("SELECT items", { kind: SpanKind.CLIENT, attributes: { "db.system": "postgresql", "db.statement": "SELECT * FROM items WHERE id = $1", "db.row": i0 + i } }, ctx).end();
  }
}

async function processorLatency(dir: string): Promise<void> {
  const BURST = 200;
  const BURSTS = 50;
  const ROUNDS = 9;
  const plain = new BasicTracerProvider().getTracer("@opentelemetry/instrumentation-pg");
  const proc = new FlowceptSpanProcessor({ exporters: [new JsonlRecordExporter({ path: join(dir, "foreign.jsonl") })] });
  const withFlowcept = new BasicTracerProvider({ spanProcessors: [proc] }).getTracer("@opentelemetry/instrumentation-pg");
  // A workflow scope in the parent context, as inside `Flowcept.run`.
  const scope = remoteScope(WF, "campaign-7", ROOT_CONTEXT);
  const inWorkflow = contextWithScope(ROOT_CONTEXT, scope, trace.wrapSpanContext({ traceId: scope.traceId, spanId: scope.rootSpanId, traceFlags: TraceFlags.SAMPLED }));
  /** CPU ns per span on the call path: bursts timed, the deferred mapping flushed between them untimed. */
  const callPath = async (tracer: Tracer, ctx: Context): Promise<number> => {
    let ns = 0;
    for (let b = 0; b < BURSTS; b++) {
      const t0 = process.cpuUsage();
      burst(tracer, BURST, b * BURST, ctx);
      ns += cpuNs(t0);
      await proc.forceFlush();
    }
    return ns / (BURSTS * BURST);
  };
  /** CPU ns per span including the mapping and the JSONL write. */
  const total = async (tracer: Tracer): Promise<number> => {
    const t0 = process.cpuUsage();
    for (let b = 0; b < BURSTS; b++) {
      burst(tracer, BURST, b * BURST, inWorkflow);
      await proc.forceFlush();
    }
    return cpuNs(t0) / (BURSTS * BURST);
  };
  try {
    heading(`processor on foreign spans: CPU time per span (start+end, 3 attributes), median of ${ROUNDS} rounds of ${BURSTS}×${BURST}`);
    const results = await interleave(
      [
        { name: "provider without FlowceptSpanProcessor", run: () => callPath(plain, ROOT_CONTEXT) },
        { name: "with it, call path, outside a workflow", run: () => callPath(withFlowcept, ROOT_CONTEXT) },
        { name: "with it, call path, inside a workflow (ids stamped)", run: () => callPath(withFlowcept, inWorkflow) },
        { name: "without it, in a workflow context (flushes awaited too)", run: () => total(plain) },
        { name: "with it, total: call path + mapping + JSONL write", run: () => total(withFlowcept) },
      ],
      ROUNDS,
    );
    const base = median(results.get("provider without FlowceptSpanProcessor")!);
    const rows = [["case", "median/span", "added vs without", "min", "max"]];
    for (const [name, xs] of results) rows.push([name, fmtNs(median(xs)), fmtNs(median(xs) - base), fmtNs(Math.min(...xs)), fmtNs(Math.max(...xs))]);
    process.stdout.write(`${table(rows)}\n`);
    const added = median(results.get("with it, call path, inside a workflow (ids stamped)")!) - base;
    process.stdout.write(`target ≤ 1 µs added on the call path: ${fmtNs(added)} inside a workflow, ${fmtNs(median(results.get("with it, call path, outside a workflow")!) - base)} outside\n`);
  } finally {
    await proc.shutdown();
  }
}

async function mirrorCost(dir: string): Promise<void> {
  const N = 20_000;
  const ROUNDS = 15;
  configure({ project: { dump_buffer: { path: join(dir, "mirrors.jsonl") } } });
  const task = flowceptTask(function train_step(epoch: number, lr: number) {
    return { loss: 1 / (epoch + 1), lr };
  });
  let sink = 0;
  const timed = async (maxBytes: number): Promise<number> => {
    configure({ otel: { io_max_bytes: maxBytes } });
    const ns = timeOps(N, (i) => (sink += task(i, 0.01).loss));
    await flushAllSinks();
    return ns;
  };
  let results = new Map<string, number[]>();
  await Flowcept.run({ workflowName: "bench-mirrors" }, async () => {
    results = await interleave(
      [
        { name: "flowceptTask, mirrors off (otel.io_max_bytes: 0)", run: () => timed(0) },
        { name: "flowceptTask, mirrors on (default cap)", run: () => timed(8192) },
      ],
      ROUNDS,
    );
  });
  heading(`input.value / output.value mirrors: CPU time per flowceptTask call (JSONL store included), median of ${ROUNDS} interleaved rounds of ${N / 1000}k calls`);
  const off = median(results.get("flowceptTask, mirrors off (otel.io_max_bytes: 0)")!);
  const rows = [["case", "median/call", "added", "min", "max"]];
  for (const [name, xs] of results) rows.push([name, fmtNs(median(xs)), fmtNs(median(xs) - off), fmtNs(Math.min(...xs)), fmtNs(Math.max(...xs))]);
  process.stdout.write(`${table(rows)}\n`);
  if (sink === 42) process.stdout.write("");
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "flowcept-bench-otel-"));
  try {
    await ingestThroughput(dir);
    await processorLatency(dir);
    await mirrorCost(dir);
  } finally {
    resetSettings();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await run();
