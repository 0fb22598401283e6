/**
 * A tracer provider as an LLM app has it, with Flowcept's processor and an
 * OTLP exporter to an ingest service beside it: the same spans reach the
 * records both ways, so tests can compare the two.
 */
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BasicTracerProvider, BatchSpanProcessor } from "@opentelemetry/sdk-trace-base";
import type { Tracer } from "@opentelemetry/api";
import { ensureFlowceptPipeline } from "../../lib/pipeline/register-flowcept.js";
import { OtlpIngestServer } from "../../exporters/otlp-ingest/OtlpIngestServer.js";
import { FlowceptSpanProcessor } from "../../lib/pipeline/FlowceptSpanProcessor.js";
import { HOSTNAME } from "../../lib/process/host-info.js";
import { expect } from "chai";
import type { FlowceptRecord, TaskRecord } from "../../lib/records/records.js";
import { ControllableExporter } from "./memory-exporter.js";
import type { RecordMask } from "../../lib/pipeline/record-mask.js";

/** Records from the processor (in process) and from the ingest service (over OTLP/HTTP protobuf). */
export interface AgenticProvider {
  provider: BasicTracerProvider;
  tracer(scope: string): Tracer;
  /** Flushes both paths; the records of each, as plain JSON. */
  records(): Promise<{ inProcess: FlowceptRecord[]; ingested: FlowceptRecord[] }>;
  close(): Promise<void>;
}

const plain = (rs: FlowceptRecord[]): FlowceptRecord[] => JSON.parse(JSON.stringify(rs)) as FlowceptRecord[];

/** `mask` runs on both paths, as the processor's and the ingest service's option. */
export async function agenticProvider(mask?: RecordMask): Promise<AgenticProvider> {
  // The context manager an app's NodeSDK or NodeTracerProvider.register() sets up: here Flowcept's
  // registration's, as when the first workflow of a process without a provider starts.
  ensureFlowceptPipeline();
  const local = new ControllableExporter("local");
  const ingestStore = new ControllableExporter("local");
  const ingest = new OtlpIngestServer({ port: 0, exporters: [ingestStore], mask });
  const url = await ingest.start();
  const processor = new FlowceptSpanProcessor({ exporters: [local], ...(mask ? { mask } : {}) });
  const otlp = new BatchSpanProcessor(new OTLPTraceExporter({ url: `${url}/v1/traces` }));
  const provider = new BasicTracerProvider({ resource: resourceFromAttributes({ "host.name": HOSTNAME, "service.name": "agentic-test" }), spanProcessors: [processor, otlp] });
  return {
    provider,
    tracer: (scope) => provider.getTracer(scope),
    async records() {
      await provider.forceFlush();
      await processor.forceFlush();
      return { inProcess: plain(local.records), ingested: plain(ingestStore.records) };
    },
    async close() {
      await provider.shutdown();
      await ingest.close();
    },
  };
}

const TIMES = ["started_at", "ended_at", "utc_timestamp", "registered_at"];

/** A record without its times (the two paths round times differently in the last digits; agents are registered when seen). */
export function withoutTimes(r: FlowceptRecord): Record<string, unknown> {
  const out: Record<string, unknown> = { ...r };
  for (const k of TIMES) delete out[k];
  return out;
}

/** `custom_metadata.llm_usage` of a task. */
export function usageOf(t: TaskRecord): Record<string, unknown> {
  return (t.custom_metadata as { llm_usage: Record<string, unknown> }).llm_usage;
}

/** Checks that both paths wrote the same `taskCount` task records and the same agent records, times aside. */
export function expectSameRecords(inProcess: FlowceptRecord[], ingested: FlowceptRecord[], taskCount: number): void {
  const tasks = (rs: FlowceptRecord[]) => new Map(rs.filter((r) => r.type === "task").map((r) => [r.task_id as string, withoutTimes(r)]));
  const a = tasks(inProcess);
  const b = tasks(ingested);
  expect(a.size).to.equal(taskCount);
  expect([...b.keys()].sort()).to.deep.equal([...a.keys()].sort());
  for (const [id, rec] of a) expect(b.get(id), String(rec.activity_id)).to.deep.equal(rec);
  const agents = (rs: FlowceptRecord[]) => rs.filter((r) => r.type === "agent").map(withoutTimes);
  expect(agents(ingested)).to.deep.equal(agents(inProcess));
}

/** Mocha hooks giving each test a fresh {@link agenticProvider}; read `.app` inside tests. */
export function useAgenticProvider(): { app: AgenticProvider } {
  const holder = {} as { app: AgenticProvider };
  beforeEach(async () => {
    holder.app = await agenticProvider();
  });
  afterEach(() => holder.app.close());
  return holder;
}
