/**
 * Added cost of the library instrumentations, with and without capture side
 * by side (CPU time of the whole process — worker threads included —,
 * interleaved rounds, medians; capture cases include mapping and writing
 * the records to the JSONL store):
 * - an MCP tool call: the wrapped handler alone, and a full client → server
 *   call over the SDK's in-memory transport;
 * - a piscina pool task (2 workers, tasks submitted in bursts of 50), with
 *   the live start notice and without it (`liveStart: false`);
 * - a TF.js `predict`, on a small and on a 100× larger input (the added cost
 *   must not grow with the tensor).
 * Runs standalone: `node dist/bench/instrumentations.js`.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import * as tf from "@tensorflow/tfjs";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Piscina } from "piscina";
import { z } from "zod";
import { agentFlowceptTask, flowceptModel, instrumentPiscina } from "../instrumentations/index.js";
import { configure, Flowcept, resetSettings } from "../lib/index.js";
import { fmtNs, heading, interleave, median, table, timeOps, timeOpsAsync, type Case } from "./stats.js";
import { flushAllSinks } from "../lib/pipeline/record-sink.js";

const ROUNDS = 7;
const flush = () => flushAllSinks().then(() => undefined);

function report(results: Map<string, number[]>, pairs: [string, string, string, number][]): void {
  const rows = [["case", "without", "with", "added", "target"]];
  for (const [label, off, on, target] of pairs) {
    const a = median(results.get(off)!);
    const b = median(results.get(on)!);
    rows.push([label, fmtNs(a), fmtNs(b), fmtNs(b - a), target > 0 ? `≤ ${fmtNs(target)}` : ""]);
  }
  process.stdout.write(table(rows) + "\n");
}

async function connected(server: McpServer): Promise<Client> {
  const [c, s] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: "bench", version: "1" });
  await Promise.all([server.connect(s), client.connect(c)]);
  return client;
}

function toolServer(wrap: boolean): McpServer {
  const server = new McpServer({ name: wrap ? "bench-on" : "bench-off", version: "1" });
  const handler = async ({ a, b }: { a: number; b: number }) => ({ content: [{ type: "text" as const, text: String(a + b) }] });
  server.tool("add", { a: z.number(), b: z.number() }, wrap ? agentFlowceptTask(handler, { activityId: "add" }) : handler);
  return server;
}

async function mcp(): Promise<void> {
  heading(`MCP tool call: CPU per call, median of ${ROUNDS} interleaved rounds`);
  const handler = async (args: { a: number; b: number }, _extra: unknown) => ({ content: [{ type: "text", text: String(args.a + args.b) }] });
  const wrapped = agentFlowceptTask(handler, { activityId: "add", agentId: "bench-agent" });
  const extra = { signal: new AbortController().signal, requestId: 1, sessionId: "s", sendNotification: async () => {}, sendRequest: async () => ({}) };
  const plainClient = await connected(toolServer(false));
  const onClient = await connected(toolServer(true));
  const N = 5000;
  const E2E = 1000;
  const cases: Case[] = [
    { name: "handler", run: () => timeOpsAsync(N, (i) => handler({ a: i, b: 1 }, extra).then(() => undefined), flush) },
    { name: "handler wrapped", run: () => timeOpsAsync(N, (i) => (wrapped({ a: i, b: 1 }, extra) as Promise<unknown>).then(() => undefined), flush) },
    { name: "client call", run: () => timeOpsAsync(E2E, (i) => plainClient.callTool({ name: "add", arguments: { a: i, b: 1 } }).then(() => undefined), flush) },
    { name: "client call instrumented", run: () => timeOpsAsync(E2E, (i) => onClient.callTool({ name: "add", arguments: { a: i, b: 1 } }).then(() => undefined), flush) },
  ];
  const results = await Flowcept.run({ workflowName: "bench-mcp" }, () => interleave(cases, ROUNDS));
  report(results, [
    ["tool handler (agentFlowceptTask)", "handler", "handler wrapped", 20_000],
    ["client → server tool call (in-memory)", "client call", "client call instrumented", 20_000],
  ]);
  await plainClient.close();
  await onClient.close();
}

async function pool(): Promise<void> {
  heading(`piscina pool task: CPU per task (all threads), median of ${ROUNDS} interleaved rounds`);
  const filename = join(dirname(fileURLToPath(import.meta.url)), "pool-bench-worker.js");
  const plain = new Piscina({ filename, minThreads: 2, maxThreads: 2 });
  const instrumented = instrumentPiscina(new Piscina({ filename, minThreads: 2, maxThreads: 2 }));
  const quiet = instrumentPiscina(new Piscina({ filename, minThreads: 2, maxThreads: 2 }), { liveStart: false });
  const N = 2000;
  const burst = async (p: Piscina, start: number) => {
    const jobs: Promise<unknown>[] = [];
    for (let k = 0; k < 50; k++) jobs.push(p.run({ n: start + k }));
    await Promise.all(jobs);
  };
  const runPool = (p: Piscina) => timeOpsAsync(N / 50, (i) => burst(p, i * 50), flush).then((ns) => ns / 50);
  // Warm both pools (worker start, module loading, Flowcept registration in the workers).
  await Flowcept.run({ workflowName: "bench-pool-warm" }, async () => {
    await runPool(plain);
    await runPool(instrumented);
    await runPool(quiet);
  });
  const results = await Flowcept.run({ workflowName: "bench-pool" }, () =>
    interleave(
      [
        { name: "pool", run: () => runPool(plain) },
        { name: "pool instrumented", run: () => runPool(instrumented) },
        { name: "pool instrumented, liveStart off", run: () => runPool(quiet) },
      ],
      ROUNDS,
    ),
  );
  report(results, [
    ["pool task (run → result)", "pool", "pool instrumented", 20_000],
    ["pool task, liveStart: false", "pool", "pool instrumented, liveStart off", 20_000],
  ]);
  await Promise.all([plain.destroy(), instrumented.destroy(), quiet.destroy()]);
}

function tinyModel(): tf.Sequential {
  const init = tf.initializers.glorotUniform({ seed: 1 });
  return tf.sequential({ layers: [tf.layers.dense({ units: 8, inputShape: [16], activation: "relu", kernelInitializer: init }), tf.layers.dense({ units: 1, kernelInitializer: init })] });
}

async function model(): Promise<void> {
  heading(`TF.js predict (CPU backend): CPU per call, median of ${ROUNDS} interleaved rounds`);
  await tf.setBackend("cpu");
  const plain = tinyModel();
  const wrapped = flowceptModel(tinyModel(), { name: "bench-model" });
  const small = tf.ones([1, 16]);
  const large = tf.ones([100, 16]);
  const N = 2000;
  const predict = (m: tf.Sequential, x: tf.Tensor) => () => timeOps(N, () => tf.dispose(m.predict(x) as tf.Tensor));
  const withFlush = async (f: () => number) => {
    const t = f();
    const t0 = process.cpuUsage();
    await flush();
    const u = process.cpuUsage(t0);
    return t + ((u.user + u.system) * 1000) / N;
  };
  const results = await Flowcept.run({ workflowName: "bench-model" }, () =>
    interleave(
      [
        { name: "small", run: () => withFlush(predict(plain, small)) },
        { name: "small instrumented", run: () => withFlush(predict(wrapped, small)) },
        { name: "large", run: () => withFlush(predict(plain, large)) },
        { name: "large instrumented", run: () => withFlush(predict(wrapped, large)) },
      ],
      ROUNDS,
    ),
  );
  report(results, [
    ["predict [1,16]", "small", "small instrumented", 50_000],
    ["predict [100,16]", "large", "large instrumented", 50_000],
  ]);
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "flowcept-bench-instr-"));
  try {
    configure({ project: { dump_buffer: { path: join(dir, "instrumentations.jsonl") } } });
    await mcp();
    await pool();
    await model();
  } finally {
    resetSettings();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await run();
