import { expect } from "chai";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { REPO_ROOT as repoRoot } from "./support/paths.js";

const text = readFileSync(join(repoRoot, "collector-config.yaml"), "utf8");

type Section = Record<string, Record<string, unknown> | null>;
interface CollectorConfig {
  extensions?: Section;
  receivers?: Section;
  processors?: Section;
  exporters?: Section;
  connectors?: Section;
  service: { extensions?: string[]; pipelines: Record<string, { receivers?: string[]; processors?: string[]; exporters?: string[] }> };
}

/** The component type of an id: `otlp_http/flowcept` → `otlp_http`. */
function typeOf(id: string): string {
  return id.split("/")[0]!;
}

describe("collector-config.yaml", () => {
  const cfg = parse(text) as CollectorConfig;

  it("pins the collector release it is tested with", () => {
    expect(text).to.match(/OpenTelemetry Collector v\d+\.\d+\.\d+/);
  });

  it("takes every address it listens on from the environment (so it can bind to loopback on free ports)", () => {
    const otlp = cfg.receivers!.otlp as { protocols: { grpc: { endpoint: string }; http: { endpoint: string } } };
    const health = cfg.extensions!.health_check as { endpoint: string };
    for (const endpoint of [otlp.protocols.grpc.endpoint, otlp.protocols.http.endpoint, health.endpoint]) {
      expect(endpoint).to.match(/^\$\{env:OTELCOL_[A-Z_]+_ENDPOINT:-0\.0\.0\.0:\d+\}$/);
    }
    const telemetry = JSON.stringify((cfg.service as { telemetry?: unknown }).telemetry);
    expect(telemetry).to.include("${env:OTELCOL_METRICS_HOST:-localhost}").and.include("${env:OTELCOL_METRICS_PORT:-8888}");
  });

  it("references only components it defines, in every pipeline", () => {
    const pipelines = Object.entries(cfg.service.pipelines);
    expect(pipelines).to.not.be.empty;
    const connectors = Object.keys(cfg.connectors ?? {});
    for (const [name, p] of pipelines) {
      expect(p.receivers, `${name}: receivers`).to.be.an("array").that.is.not.empty;
      expect(p.exporters, `${name}: exporters`).to.be.an("array").that.is.not.empty;
      for (const r of p.receivers!) expect([...Object.keys(cfg.receivers ?? {}), ...connectors], `${name}: receiver ${r}`).to.include(r);
      for (const x of p.processors ?? []) expect(Object.keys(cfg.processors ?? {}), `${name}: processor ${x}`).to.include(x);
      for (const e of p.exporters!) expect([...Object.keys(cfg.exporters ?? {}), ...connectors], `${name}: exporter ${e}`).to.include(e);
    }
    for (const ext of cfg.service.extensions ?? []) expect(Object.keys(cfg.extensions ?? {}), `service extension ${ext}`).to.include(ext);
  });

  it("uses every component it defines (an unused one is a typo waiting to happen)", () => {
    const used = new Set<string>(cfg.service.extensions ?? []);
    for (const p of Object.values(cfg.service.pipelines)) for (const id of [...(p.receivers ?? []), ...(p.processors ?? []), ...(p.exporters ?? [])]) used.add(id);
    for (const section of ["extensions", "receivers", "processors", "exporters"] as const) {
      for (const id of Object.keys(cfg[section] ?? {})) expect(used, `${section}.${id}`).to.include(id);
    }
  });

  it("points every sending queue's storage at a file_storage extension the service enables", () => {
    let persistent = 0;
    for (const [id, conf] of Object.entries(cfg.exporters ?? {})) {
      const storage = (conf?.sending_queue as { storage?: string } | undefined)?.storage;
      if (storage === undefined) continue;
      persistent++;
      expect(Object.keys(cfg.extensions ?? {}), `${id}: storage ${storage}`).to.include(storage);
      expect(typeOf(storage), `${id}: storage ${storage}`).to.equal("file_storage");
      expect(cfg.service.extensions, `${id}: storage ${storage} enabled`).to.include(storage);
    }
    expect(persistent).to.be.greaterThan(0);
  });

  it("puts memory_limiter first and batch in every pipeline", () => {
    for (const [name, p] of Object.entries(cfg.service.pipelines)) {
      expect(typeOf(p.processors?.[0] ?? ""), name).to.equal("memory_limiter");
      expect((p.processors ?? []).map(typeOf), name).to.include("batch");
    }
  });

  it("receives OTLP on 4317 (gRPC) and 4318 (HTTP) and exports to Jaeger, a file and the ingest service", () => {
    const otlp = cfg.receivers!.otlp as { protocols: { grpc: { endpoint: string }; http: { endpoint: string } } };
    expect(otlp.protocols.grpc.endpoint).to.match(/:4317\}$/);
    expect(otlp.protocols.http.endpoint).to.match(/:4318\}$/);
    const exporters = cfg.service.pipelines.traces!.exporters!;
    expect(exporters.map(typeOf)).to.include.members(["otlp_grpc", "file", "otlp_http"]);
    const jaeger = cfg.exporters![exporters.find((e) => typeOf(e) === "otlp_grpc")!] as { endpoint: string };
    expect(jaeger.endpoint).to.match(/jaeger:4317/);
  });

  it("sends protobuf with gzip to the ingest service, with a persistent queue and unbounded retries", () => {
    const ingest = cfg.exporters!["otlp_http/flowcept"] as {
      endpoint: string;
      encoding: string;
      compression: string;
      sending_queue: { enabled: boolean; storage: string };
      retry_on_failure: { enabled: boolean; max_elapsed_time: string };
    };
    expect(ingest.endpoint).to.match(/:4318/);
    expect(ingest.encoding).to.equal("proto");
    expect(ingest.compression).to.equal("gzip");
    expect(ingest.sending_queue.enabled).to.equal(true);
    expect(ingest.retry_on_failure.enabled).to.equal(true);
    expect(ingest.retry_on_failure.max_elapsed_time).to.match(/^0s?$/);
  });
});
