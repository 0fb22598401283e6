/**
 * `flowcept-otel ingest`: runs the OTLP/HTTP ingest service until SIGTERM or
 * SIGINT, then stops gracefully (in-flight requests finished, store
 * flushed) and exits 0.
 */
import { resolve } from "node:path";
import { InvalidArgumentError, type Command } from "commander";
import { JsonlRecordExporter } from "../../../exporters/jsonl/JsonlRecordExporter.js";
import { OtlpIngestServer, type OtlpIngestServerOptions } from "../../../exporters/otlp-ingest/OtlpIngestServer.js";
import { createIngestExporters } from "../../../exporters/otlp-ingest/ingest-exporters.js";
import { bufferFilePath } from "../../settings/buffer-path.js";
import { getSettings } from "../../settings/settings-loader.js";
import type { FlowceptSettings } from "../../settings/settings.js";
import { isLoopback } from "../../ui/ui-access.js";
import { CliError } from "../CliError.js";
import { PROCESS_IO, type CliIo, type GlobalOptions } from "../cli-context.js";

function parsePort(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError("expected a port number (0-65535)");
  return n;
}

function parsePositive(v: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError("expected a positive integer");
  return n;
}

/** The settings with the store the global options name (`--buffer-path`, `--mongo-uri`, `--db`) in place of theirs. */
function storeSettings(settings: FlowceptSettings, g: GlobalOptions): FlowceptSettings {
  const { databases, project } = settings;
  if (g.mongoUri || g.db) {
    const mongodb = { ...databases.mongodb, enabled: true, ...(g.mongoUri ? { uri: g.mongoUri } : {}), ...(g.db ? { db: g.db } : {}) };
    return { ...settings, databases: { ...databases, mongodb } };
  }
  if (!g.bufferPath) return settings;
  return {
    ...settings,
    databases: { ...databases, mongodb: { ...databases.mongodb, enabled: false } },
    project: { ...project, dump_buffer: { ...project.dump_buffer, enabled: true, path: g.bufferPath } },
  };
}

/**
 * Runs the ingest service until the process gets SIGTERM or SIGINT. Resolves
 * after the graceful stop (nothing accepted is lost); rejects when the
 * service cannot start (port in use, invalid settings).
 */
export async function runIngestService(options: OtlpIngestServerOptions, io: CliIo = PROCESS_IO, settings: FlowceptSettings = getSettings()): Promise<void> {
  const exporters = options.exporters ?? createIngestExporters(settings);
  const server = new OtlpIngestServer({ ...options, exporters });
  const url = await server.start();
  const store = exporters.some((e) => e.kind === "database")
    ? exporters.map((e) => e.constructor.name).join(", ")
    : `local store ${resolve(bufferFilePath(settings))}`;
  io.out(`flowcept-otel ingest: listening on ${url}/v1/traces, storing to ${store}${options.token ? " (bearer token required)" : ""}\n`);
  await new Promise<void>((done) => {
    const stop = (signal: NodeJS.Signals): void => {
      process.removeListener("SIGTERM", stop);
      process.removeListener("SIGINT", stop);
      io.out(`flowcept-otel ingest: ${signal}: finishing in-flight requests\n`);
      void server.close().then(() => {
        const s = server.stats;
        io.out(`flowcept-otel ingest: stopped; ${s.recordsStored} records stored from ${s.requests} requests (${s.spansRejected} spans rejected)\n`);
        done();
      });
    };
    process.on("SIGTERM", stop);
    process.on("SIGINT", stop);
  });
}

interface IngestFlags {
  host: string;
  port: number;
  token?: string;
  maxBodyBytes: number;
  maxInFlightRecords: number;
  maxSpansPerRequest: number;
  maxBytesInFlight: number;
  maxConnections: number;
  headersTimeout: number;
  requestTimeout: number;
}

/** Adds the `ingest` command to a commander program (the `flowcept-otel` CLI). */
export function addIngestCommand(program: Command, io: CliIo = PROCESS_IO): Command {
  return program
    .command("ingest")
    .description("receive OTLP/HTTP traces (e.g. from an OTel Collector) and store them as Flowcept records in MongoDB or the local store")
    .option("--host <host>", "interface to bind (0.0.0.0 for all)", "127.0.0.1")
    .option("--port <port>", "port to listen on (0: any free port)", parsePort, 4318)
    .option("--token <token>", "require `Authorization: Bearer <token>`; prefer $FLOWCEPT_INGEST_TOKEN (command lines are visible to other users)")
    .option("--max-body-bytes <n>", "largest request body, compressed or not", parsePositive, 16 * 1024 * 1024)
    .option("--max-in-flight-records <n>", "records waiting for the store before senders get 429", parsePositive, 100_000)
    .option("--max-spans-per-request <n>", "spans one request may hold (413 above)", parsePositive, 100_000)
    .option("--max-bytes-in-flight <n>", "request body bytes held at once across requests (429 above)", parsePositive, 64 * 1024 * 1024)
    .option("--max-connections <n>", "open connections at most", parsePositive, 256)
    .option("--headers-timeout <ms>", "time a client has to send the request headers", parsePositive, 10_000)
    .option("--request-timeout <ms>", "time a client has to send a whole request", parsePositive, 60_000)
    .action(async (opts: IngestFlags, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      if (g.settings) process.env.FLOWCEPT_SETTINGS_PATH = resolve(g.settings);
      const token = opts.token || process.env.FLOWCEPT_INGEST_TOKEN || undefined;
      if (!token && !isLoopback(opts.host)) {
        throw new CliError(
          `ingest on ${opts.host} would store records from, and stream them to, anyone who can reach it: set a token in FLOWCEPT_INGEST_TOKEN (or --token), and the same in the sender's Authorization header`,
          2,
        );
      }
      await runIngestService(
        {
          host: opts.host,
          port: opts.port,
          token,
          maxBodyBytes: opts.maxBodyBytes,
          maxInFlightRecords: opts.maxInFlightRecords,
          maxSpansPerRequest: opts.maxSpansPerRequest,
          maxBytesInFlight: opts.maxBytesInFlight,
          maxConnections: opts.maxConnections,
          headersTimeoutMillis: opts.headersTimeout,
          requestTimeoutMillis: opts.requestTimeout,
          // A fixed file: the JSONL exporter otherwise follows the settings at write time.
          exporters: g.bufferPath && !g.mongoUri && !g.db ? [new JsonlRecordExporter({ path: g.bufferPath })] : undefined,
        },
        io,
        storeSettings(getSettings(), g),
      );
    });
}
