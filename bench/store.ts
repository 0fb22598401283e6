/**
 * The local store under faults and at scale, each case in a process of its
 * own (memory is the figure): 40 000 flowceptTask calls against `/dev/full`
 * (the calls, peak RSS, `stop()`, and the time to exit after it) beside the
 * same against a writable file; then reading a generated store of about
 * 1M records (1.2 GB; `FLOWCEPT_BENCH_STORE_TASKS` changes the count) with
 * `Flowcept.readBufferFile`, queries (the first on a store not indexed yet,
 * the first of a new process, and warm ones on each indexed field; "in
 * process" is the query's own time, without starting Node), and the CLI's
 * `workflows`.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateStore } from "./generate-store.js";
import { heading, table } from "./stats.js";

const LIB = new URL("../lib/index.js", import.meta.url).href;
const QUERY = new URL("../lib/query/index.js", import.meta.url).href;
const CLI = new URL("../lib/cli/main.js", import.meta.url).href;

interface Outcome {
  wallMs: number;
  maxRssMiB: number;
  stdout: string;
}

/** A case still running after this long is stopped and reported as such. */
const LIMIT_MS = 300_000;

/** Runs an ES module script; its peak RSS comes from the child itself at exit. */
function runScript(dir: string, source: string, args: string[] = []): Promise<Outcome> {
  const file = join(dir, `case-${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(file, `process.on("exit", () => process.stderr.write("maxrss " + process.resourceUsage().maxRSS + "\\n"));\n${source}`);
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [file, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (err += c.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), LIMIT_MS);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      if (code === null) return reject(new Error(`still running after ${LIMIT_MS / 1000} s (killed): ${out}`));
      const rss = /maxrss (\d+)/.exec(err);
      if (code !== 0 || !rss) reject(new Error(`case failed (${code}): ${err}`));
      else resolve({ wallMs: Date.now() - t0, maxRssMiB: Number(rss[1]) / 1024, stdout: out });
    });
  });
}

function tasksProgram(store: string, spill: string, n: number): string {
  return `
    const { Flowcept, flowceptTask, configure } = await import(${JSON.stringify(LIB)});
    configure({ project: { dump_buffer: { path: ${JSON.stringify(store)} } }, db_buffer: { spill_dir: ${JSON.stringify(spill)} } });
    const work = flowceptTask(function work(x) { return x + 1; });
    const fc = new Flowcept({ workflowName: "bench-store" });
    await fc.start();
    const t0 = Date.now();
    for (let i = 0; i < ${n}; i++) work(i);
    const calls = Date.now() - t0;
    const t1 = Date.now();
    await fc.stop();
    const stop = Date.now() - t1;
    const t2 = Date.now();
    process.on("exit", () => process.stdout.write(JSON.stringify({ calls, stop, exit: Date.now() - t2 }) + "\\n"));
  `;
}

const mib = (n: number): string => `${n.toFixed(0)} MiB`;
const secs = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "flowcept-bench-store-"));
  try {
    heading("40 000 flowceptTask calls: a writable store vs /dev/full (records spilled), one process each");
    const rows = [["store", "calls", "peak RSS", "stop()", "exit after stop()"]];
    for (const [label, store] of [
      ["writable file", join(dir, "ok.jsonl")],
      ["/dev/full", "/dev/full"],
    ] as const) {
      try {
        const o = await runScript(dir, tasksProgram(store, join(dir, "spill"), 40_000));
        const f = JSON.parse(o.stdout) as { calls: number; stop: number; exit: number };
        rows.push([label, secs(f.calls), mib(o.maxRssMiB), `${f.stop} ms`, `${f.exit} ms`]);
      } catch (err) {
        rows.push([label, "-", "-", "-", (err as Error).message.slice(0, 60)]);
      }
    }
    process.stdout.write(`${table(rows)}\n`);

    const tasks = Number(process.env.FLOWCEPT_BENCH_STORE_TASKS ?? 1_000_000);
    const store = join(dir, "big.jsonl");
    generateStore(store, { tasks });
    heading(`reading a store of ${tasks.toLocaleString("en-US")} tasks (${mib(statSync(store).size / 2 ** 20)}), one process each`);
    const reads = [["case", "wall", "in process", "peak RSS"]];
    const openDb = `const { FlowceptDb, LocalQueryBackend } = await import(${JSON.stringify(QUERY)});
         const db = new FlowceptDb({ backend: new LocalQueryBackend({ path: process.argv[2] }) });
         const timed = async (f) => { const t = performance.now(); await f(); return performance.now() - t; };`;
    const firstWorkflow = `const [wf] = await db.workflowQuery({}, { limit: 1 });`;
    const cases: [string, string, string[]][] = [
      ["Flowcept.readBufferFile (all records, merged)", `const { Flowcept } = await import(${JSON.stringify(LIB)}); Flowcept.readBufferFile(process.argv[2]);`, [store]],
      [
        "taskQuery of one workflow, store not indexed yet (builds the index)",
        `${openDb}
         const ms = await timed(async () => { ${firstWorkflow} await db.taskQuery({ workflow_id: wf.workflow_id }); });
         process.stdout.write(JSON.stringify({ ms }));`,
        [store],
      ],
      [
        "taskQuery of one workflow, new process (index beside the store)",
        `${openDb}
         const ms = await timed(async () => { ${firstWorkflow} await db.taskQuery({ workflow_id: wf.workflow_id }); });
         process.stdout.write(JSON.stringify({ ms }));`,
        [store],
      ],
      ...(
        [
          ["workflow_id", "{ workflow_id: wf.workflow_id }"],
          ["activity_id", "{ activity_id: 'step_3', workflow_id: wf.workflow_id }"],
          ["status", "{ status: 'ERROR' }"],
          ["task_id", "{ task_id: one.task_id }"],
        ] as const
      ).map(([field, filter]): [string, string, string[]] => [
        `taskQuery on ${field}, warm (median of 5 in one process)`,
        `${openDb}
         ${firstWorkflow}
         const [one] = await db.taskQuery({ workflow_id: wf.workflow_id }, { limit: 1 });
         const times = [];
         for (let i = 0; i < 5; i++) times.push(await timed(() => db.taskQuery(${filter})));
         times.sort((a, b) => a - b);
         process.stdout.write(JSON.stringify({ ms: times[2] }));`,
        [store],
      ]),
      ["flowcept-otel workflows --limit 3", `await import(${JSON.stringify(CLI)});`, ["workflows", "--buffer-path", store, "--limit", "3"]],
      ["flowcept-otel workflows", `await import(${JSON.stringify(CLI)});`, ["workflows", "--buffer-path", store]],
    ];
    for (const [label, source, args] of cases) {
      try {
        const o = await runScript(dir, source, args);
        const inProcess = /^\{"ms":/.test(o.stdout) ? `${(JSON.parse(o.stdout) as { ms: number }).ms.toFixed(0)} ms` : "";
        reads.push([label, secs(o.wallMs), inProcess, mib(o.maxRssMiB)]);
      } catch (err) {
        reads.push([label, "failed", "", String((err as Error).message).split("\n").find((l) => /Error/.test(l)) ?? "error"]);
      }
    }
    process.stdout.write(`${table(reads)}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
