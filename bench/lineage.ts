/**
 * Lineage over a local store of a 1M-task workflow (`npm run bench -- lineage`;
 * `LINEAGE_BENCH_TASKS` changes the size). The workflow: a root task, a
 * `train` task that generates a model path, and a loop of shards, each shard
 * an iteration with three tasks passing file paths on (load → transform →
 * score, score also using the model). Figures: building the lineage index
 * (the first query), a fresh `flowcept-otel lineage … --depth 3` process
 * (loading the kept index), and depth-3 queries in a process that has the
 * index loaded — wall time, since this is what a person waits for.
 */
import { spawnSync } from "node:child_process";
import { createWriteStream, mkdtempSync, rmSync, statSync } from "node:fs";
import { once } from "node:events";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { FlowceptDb } from "../lib/query/FlowceptDb.js";
import { LocalQueryBackend } from "../lib/query/LocalQueryBackend.js";
import type { LineageOptions } from "../lib/query/lineage-types.js";
import { heading, median, table } from "./stats.js";

const TASKS = Number(process.env.LINEAGE_BENCH_TASKS ?? 1_000_000);
const WF = "5f0c1d2e-3a4b-4c5d-8e6f-708192a3b4c5";
const CAMPAIGN = "c0ffee00-0000-4000-8000-000000000001";
const T0 = 1_790_000_000;
const CLI = fileURLToPath(new URL("../lib/cli/main.js", import.meta.url));

const id = (kind: string, i: number): string => `${WF.replace(/-/g, "")}-${kind}${i.toString(16).padStart(14, "0")}`;

/** Writes the workflow's records; returns the number of tasks. */
export async function writeStore(path: string, tasks: number): Promise<number> {
  const out = createWriteStream(path);
  let n = 0;
  const write = async (r: Record<string, unknown>): Promise<void> => {
    n++;
    if (!out.write(`${JSON.stringify({ type: "task", workflow_id: WF, campaign_id: CAMPAIGN, status: "FINISHED", hostname: "bench-host", ...r })}\n`)) await once(out, "drain");
  };
  out.write(`${JSON.stringify({ type: "workflow", workflow_id: WF, campaign_id: CAMPAIGN, name: "lineage_bench", status: "FINISHED", started_at: T0, ended_at: T0 + tasks })}\n`);
  await write({ task_id: id("a", 0), activity_id: "pipeline", used: { config: "/etc/pipeline.yaml" }, started_at: T0, ended_at: T0 + tasks });
  await write({ task_id: id("b", 0), activity_id: "train", parent_task_id: id("a", 0), used: { epochs: 30, lr: 0.01 }, generated: { model: "/models/model-final.pt", accuracy: 0.9312 }, started_at: T0 + 1, ended_at: T0 + 2 });
  await write({ task_id: id("c", 0), activity_id: "shards", subtype: "loop", parent_task_id: id("a", 0), started_at: T0 + 3, ended_at: T0 + tasks });
  const shards = Math.max(1, Math.floor((tasks - 3) / 4));
  for (let s = 0; s < shards; s++) {
    const t = T0 + 3 + s;
    const loop = id("c", 0);
    await write({ task_id: id("d", s), activity_id: "shards_iteration", parent_task_id: loop, group_id: loop, used: { i: s, shard: `/raw/shard-${s}.csv` }, generated: { score: 0.5 + s / (2 * shards) + 1e-9 }, started_at: t, ended_at: t + 0.9 });
    await write({ task_id: id("e", s), activity_id: "load", parent_task_id: id("d", s), used: { path: `/raw/shard-${s}.csv` }, generated: { array: `/tmp/shard-${s}.npy`, rows: 4096 }, started_at: t + 0.1, ended_at: t + 0.3 });
    await write({ task_id: id("f", s), activity_id: "transform", parent_task_id: id("d", s), used: { array: `/tmp/shard-${s}.npy` }, generated: { features: `/tmp/features-${s}.npy`, mean: s + 0.25 }, started_at: t + 0.35, ended_at: t + 0.6 });
    await write({ task_id: id("g", s), activity_id: "score", parent_task_id: id("d", s), used: { features: `/tmp/features-${s}.npy`, model: "/models/model-final.pt" }, generated: { score: 0.5 + s / (2 * shards) + 1e-9 }, started_at: t + 0.65, ended_at: t + 0.85 });
  }
  out.end();
  await once(out, "finish");
  return n;
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const r = await fn();
  return [r, performance.now() - t0];
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "flowcept-lineage-bench-"));
  try {
    const store = join(dir, "flowcept_buffer.jsonl");
    heading(`lineage over a local store: one workflow of ${TASKS.toLocaleString("en")} tasks`);
    const [n, writeMs] = await timed(() => writeStore(store, TASKS));
    const mb = statSync(store).size / (1024 * 1024);
    process.stdout.write(`store: ${n.toLocaleString("en")} tasks, ${mb.toFixed(0)} MB, written in ${(writeMs / 1000).toFixed(1)} s\n`);

    const mid = Math.floor((TASKS - 3) / 8);
    const queries: [string, LineageOptions][] = [
      ["upstream of a score task", { taskId: id("g", mid), direction: "upstream", depth: 3 }],
      ["downstream of a load task", { taskId: id("e", mid), direction: "downstream", depth: 3 }],
      ["both ways from a transform task", { taskId: id("f", mid), direction: "both", depth: 3 }],
      ["upstream of a value (a features file)", { value: `/tmp/features-${mid}.npy`, direction: "upstream", depth: 3 }],
    ];

    let db = new FlowceptDb({ backend: new LocalQueryBackend({ path: store }) });
    const [first, buildMs] = await timed(() => db.lineage(queries[0]![1]));
    const indexMb = statSync(`${store}.lineage-index`).size / (1024 * 1024);
    process.stdout.write(`first query (builds and keeps the index, ${indexMb.toFixed(0)} MB): ${(buildMs / 1000).toFixed(1)} s, ${first.nodes.length} nodes\n`);
    await db.close();

    // A new process, as a person running the command: loads the kept index, answers, prints JSON.
    // The wrapper reports the process's CPU time at exit (wall time on a shared machine mostly measures the neighbours).
    const wrapper = `process.on("exit",()=>{const u=process.cpuUsage();process.stderr.write("cpu-ms "+Math.round((u.user+u.system)/1000)+"\\n")});process.argv.splice(1,0,"flowcept-otel");await import(${JSON.stringify(pathToFileURL(CLI).href)});`;
    const cliRuns: number[] = [];
    const cliCpu: number[] = [];
    const helpCpu: number[] = [];
    for (let r = 0; r < 5; r++) {
      const t0 = performance.now();
      const q = spawnSync(process.execPath, ["--input-type=module", "-e", wrapper, "--", "lineage", id("g", mid), "--upstream", "--depth", "3", "--json", "--buffer-path", store], { encoding: "utf8", maxBuffer: 1 << 30 });
      cliRuns.push(performance.now() - t0);
      cliCpu.push(Number(/cpu-ms (\d+)/.exec(q.stderr)?.[1]));
      const h = spawnSync(process.execPath, ["--input-type=module", "-e", wrapper, "--", "--help"], { encoding: "utf8" });
      helpCpu.push(Number(/cpu-ms (\d+)/.exec(h.stderr)?.[1]));
    }

    // In one process: the first query loads the index, the next ones reuse it.
    db = new FlowceptDb({ backend: new LocalQueryBackend({ path: store }) });
    const [, loadMs] = await timed(() => db.lineage(queries[0]![1]));
    const rows = [["query (depth 3)", "nodes", "edges", "median ms"]];
    for (const [name, q] of queries) {
      const times: number[] = [];
      let nodes = 0;
      let edges = 0;
      for (let r = 0; r < 7; r++) {
        const [g, ms] = await timed(() => db.lineage(q));
        times.push(ms);
        nodes = g.nodes.length;
        edges = g.edges.length;
      }
      rows.push([name, String(nodes), String(edges), median(times).toFixed(1)]);
    }
    const [wide, wideMs] = await timed(() => db.lineage({ taskId: id("b", 0), direction: "downstream", depth: 1 }));
    await db.close();
    process.stdout.write(
      `fresh process, \`flowcept-otel lineage <score task> --upstream --depth 3 --json\`: wall median ${median(cliRuns).toFixed(0)} ms of 5 (min ${Math.min(...cliRuns).toFixed(0)} ms), CPU median ${median(cliCpu).toFixed(0)} ms; \`flowcept-otel --help\` alone: CPU median ${median(helpCpu).toFixed(0)} ms\n`,
    );
    process.stdout.write(`loading the kept index in a process, with the first query: ${loadMs.toFixed(0)} ms\n`);
    process.stdout.write(`${table(rows)}\n`);
    process.stdout.write(`downstream of train, depth 1 (the model every score task used): ${wide.nodes.length.toLocaleString("en")} nodes in ${(wideMs / 1000).toFixed(2)} s\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
