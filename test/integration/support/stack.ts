/**
 * The tracing stack of the README, run for real on loopback: Jaeger, the
 * OpenTelemetry Collector with collector-config.yaml unmodified, and
 * `flowcept-otel ingest` writing a local store. Each program gets free ports
 * and its own folder under the suite's output folder.
 */
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { DIST, REPO_ROOT } from "../../support/paths.js";
import { freePort, PeerProcess } from "./PeerProcess.js";

/** Where integration suites leave logs, stores and screenshots (ignored by git). */
export const OUTPUT_ROOT = join(REPO_ROOT, "test-output", "integration");

/** A fresh output folder for one suite. */
export function outputDir(suite: string): string {
  const dir = join(OUTPUT_ROOT, suite);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

const CLI = join(DIST, "lib", "cli", "main.js");
/** The collector configuration users run (the file at the repository root). */
export const COLLECTOR_CONFIG = join(REPO_ROOT, "collector-config.yaml");
const JAEGER_CONFIG = join(REPO_ROOT, "test", "integration", "peers", "jaeger-config.yaml");

/**
 * Runs `start` again (with new free ports) when the program could not bind
 * because another process took a port between the test asking the OS for it
 * and the program binding it.
 */
async function withFreshPorts<T>(start: () => Promise<{ process: PeerProcess } & T>): Promise<{ process: PeerProcess } & T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (err) {
      if (attempt >= 3 || !/address already in use|EADDRINUSE/.test(String(err))) throw err;
    }
  }
}

/** A started Jaeger: its OTLP/gRPC address and its query service (HTTP API and UI). */
export interface Jaeger {
  process: PeerProcess;
  otlpGrpc: string;
  queryUrl: string;
}

export function startJaeger(program: string, dir: string): Promise<Jaeger> {
  return withFreshPorts(() => startJaegerOnce(program, dir));
}

async function startJaegerOnce(program: string, dir: string): Promise<Jaeger> {
  const [grpc, http, query, queryGrpc, health] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
  const process = PeerProcess.start({
    name: "jaeger",
    command: program,
    args: ["--config", JAEGER_CONFIG],
    logFile: join(dir, "jaeger.log"),
    env: {
      JAEGER_OTLP_GRPC_ENDPOINT: `127.0.0.1:${grpc}`,
      JAEGER_OTLP_HTTP_ENDPOINT: `127.0.0.1:${http}`,
      JAEGER_QUERY_HTTP_ENDPOINT: `127.0.0.1:${query}`,
      JAEGER_QUERY_GRPC_ENDPOINT: `127.0.0.1:${queryGrpc}`,
      JAEGER_HEALTH_ENDPOINT: `127.0.0.1:${health}`,
    },
  });
  const queryUrl = `http://127.0.0.1:${query}`;
  await process.waitForHttp(`${queryUrl}/api/services`, 120_000);
  return { process, otlpGrpc: `127.0.0.1:${grpc}`, queryUrl };
}

/** A started `flowcept-otel ingest`: its base URL and the local store it writes. */
export interface Ingest {
  process: PeerProcess;
  url: string;
  port: number;
  store: string;
}

/** Starts the ingest service in `dir` (its local store is `dir/flowcept_buffer.jsonl`), on `port` or a free one. */
export function startIngest(dir: string, token: string, port?: number): Promise<Ingest> {
  return port === undefined ? withFreshPorts(() => startIngestOnce(dir, token)) : startIngestOnce(dir, token, port);
}

async function startIngestOnce(dir: string, token: string, port?: number): Promise<Ingest> {
  mkdirSync(dir, { recursive: true });
  const p = port ?? (await freePort());
  const process = PeerProcess.start({
    name: "flowcept-otel ingest",
    command: globalThis.process.execPath,
    args: [CLI, "ingest", "--host", "127.0.0.1", "--port", String(p)],
    cwd: dir,
    logFile: join(dir, "ingest.log"),
    env: { HOME: dir, FLOWCEPT_SETTINGS_PATH: "", FLOWCEPT_INGEST_TOKEN: token },
  });
  await process.waitForOutput(/listening on http:\/\/127\.0\.0\.1:\d+\/v1\/traces/, 60_000);
  return { process, url: `http://127.0.0.1:${p}`, port: p, store: join(dir, "flowcept_buffer.jsonl") };
}

/** The collector's listening addresses and where it keeps its state. */
export interface CollectorPorts {
  otlpHttp: number;
  otlpGrpc: number;
  health: number;
  metrics: number;
}

/** A started collector. */
export interface Collector {
  process: PeerProcess;
  /** For OTEL_EXPORTER_OTLP_ENDPOINT. */
  otlpHttpUrl: string;
  ports: CollectorPorts;
  stateDir: string;
}

/** What the collector exports to. */
export interface CollectorTargets {
  ingestUrl: string;
  ingestToken: string;
  /** host:port of Jaeger's OTLP/gRPC receiver. */
  jaegerOtlpGrpc: string;
}

/**
 * Starts the collector with collector-config.yaml as users run it, its
 * addresses given through the variables the file documents. Pass the
 * `ports` and `stateDir` of an earlier run to restart "the same" collector.
 */
export function startCollector(program: string, dir: string, targets: CollectorTargets, previous?: { ports: CollectorPorts; stateDir: string }): Promise<Collector> {
  return previous ? startCollectorOnce(program, dir, targets, previous) : withFreshPorts(() => startCollectorOnce(program, dir, targets));
}

async function startCollectorOnce(program: string, dir: string, targets: CollectorTargets, previous?: { ports: CollectorPorts; stateDir: string }): Promise<Collector> {
  const ports = previous?.ports ?? { otlpHttp: await freePort(), otlpGrpc: await freePort(), health: await freePort(), metrics: await freePort() };
  const stateDir = previous?.stateDir ?? join(dir, "otelcol-state");
  mkdirSync(stateDir, { recursive: true });
  const process = PeerProcess.start({
    name: "otelcol",
    command: program,
    args: ["--config", COLLECTOR_CONFIG],
    logFile: join(dir, "otelcol.log"),
    env: {
      OTELCOL_STATE_DIR: stateDir,
      OTELCOL_OTLP_HTTP_ENDPOINT: `127.0.0.1:${ports.otlpHttp}`,
      OTELCOL_OTLP_GRPC_ENDPOINT: `127.0.0.1:${ports.otlpGrpc}`,
      OTELCOL_HEALTH_ENDPOINT: `127.0.0.1:${ports.health}`,
      OTELCOL_METRICS_HOST: "127.0.0.1",
      OTELCOL_METRICS_PORT: String(ports.metrics),
      FLOWCEPT_INGEST_ENDPOINT: targets.ingestUrl,
      FLOWCEPT_INGEST_TOKEN: targets.ingestToken,
      JAEGER_OTLP_ENDPOINT: targets.jaegerOtlpGrpc,
    },
  });
  await process.waitForHttp(`http://127.0.0.1:${ports.health}/`, 120_000);
  return { process, otlpHttpUrl: `http://127.0.0.1:${ports.otlpHttp}`, ports, stateDir };
}
