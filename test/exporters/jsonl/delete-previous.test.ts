import { expect } from "chai";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readBufferFile } from "../../../exporters/jsonl/buffer-file.js";
import type { FlowceptRecord } from "../../../lib/records/records.js";

const LIB = new URL("../../../lib/index.js", import.meta.url).href;
const SINKS = new URL("../../../lib/pipeline/record-sink.js", import.meta.url).href;
const API = import.meta.resolve("@opentelemetry/api");

/**
 * A producer process with `delete_previous_file: true`. Arguments: store,
 * tag, number of tasks, workflow id to join (producer, `saveWorkflow: false`)
 * or "new" (owner), and a file to wait for before stopping ("-" for none).
 * Prints `ready <workflow id>` once its tasks are on disk.
 */
const PRODUCER = `
  const [store, tag, count, join, gate] = process.argv.slice(2);
  const { diag, DiagLogLevel } = await import(${JSON.stringify(API)});
  const line = (m) => process.stderr.write(m + "\\n");
  diag.setLogger({ error: line, warn: line, info() {}, debug() {}, verbose() {} }, DiagLogLevel.WARN);
  const { Flowcept, lightweightFlowceptTask, configure } = await import(${JSON.stringify(LIB)});
  const { flushAllSinks } = await import(${JSON.stringify(SINKS)});
  const { existsSync } = await import("node:fs");
  configure({ project: { dump_buffer: { path: store, delete_previous_file: true } } });
  const fc = new Flowcept(join === "new" ? { workflowName: tag } : { workflowId: join, saveWorkflow: false });
  await fc.start();
  const step = lightweightFlowceptTask({ activityId: tag }, function step(i) { return i; });
  for (let i = 0; i < Number(count); i++) step(i);
  await flushAllSinks();
  process.stdout.write("ready " + fc.workflowId + "\\n");
  while (gate !== "-" && !existsSync(gate)) await new Promise((r) => setTimeout(r, 20));
  await fc.stop();
`;

interface Producer {
  child: ChildProcess;
  ready: Promise<string>;
  exited: Promise<{ code: number | null; stderr: string }>;
}

const running: ChildProcess[] = [];

function produce(dir: string, args: string[]): Producer {
  const script = join(dir, "producer.mjs");
  if (!existsSync(script)) writeFileSync(script, PRODUCER);
  const child = spawn(process.execPath, [script, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  running.push(child);
  let out = "";
  let err = "";
  child.stderr.on("data", (c: Buffer) => (err += c.toString()));
  const ready = new Promise<string>((resolve, reject) => {
    child.stdout.on("data", (c: Buffer) => {
      out += c.toString();
      const m = /ready (\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.on("exit", (code) => reject(new Error(`producer exited with ${code} before it was ready: ${err}`)));
  });
  ready.catch(() => undefined);
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve) => child.on("exit", (code) => resolve({ code, stderr: err })));
  return { child, ready, exited };
}

function byActivity(records: FlowceptRecord[], activity: string): number {
  return records.filter((r) => r.type === "task" && r.activity_id === activity).length;
}

describe("delete_previous_file with several producers (real processes)", function () {
  this.timeout(120_000);
  let dir: string;
  let store: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "flowcept-delete-previous-"));
    store = join(dir, "flowcept_buffer.jsonl");
  });
  afterEach(() => {
    // A failed assertion must not leave a producer waiting for its gate.
    for (const c of running.splice(0)) if (c.exitCode === null) c.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  });

  it("a producer joining the workflow does not empty the file the owner has written 50,000 records to", async () => {
    const gate = join(dir, "go");
    const owner = produce(dir, [store, "owner", "50000", "new", gate]);
    const workflowId = await owner.ready;
    const producer = produce(dir, [store, "producer", "100", workflowId, "-"]);
    await producer.ready;
    expect((await producer.exited).code).to.equal(0);
    writeFileSync(gate, "");
    expect((await owner.exited).code).to.equal(0);
    const records = readBufferFile(store);
    expect(byActivity(records, "owner")).to.equal(50_000);
    expect(byActivity(records, "producer")).to.equal(100);
    expect(records.filter((r) => r.type === "workflow")).to.have.length(1);
  });

  it("an owner does not empty a file another live process is writing, and does once nobody else writes it", async () => {
    writeFileSync(store, `${JSON.stringify({ type: "task", task_id: "from-an-earlier-run" })}\n`);
    const gate = join(dir, "go");
    const first = produce(dir, [store, "first", "1000", "new", gate]);
    await first.ready;
    const second = produce(dir, [store, "second", "10", "new", "-"]);
    await second.ready;
    const ended = await second.exited;
    expect(ended.code).to.equal(0);
    expect(ended.stderr).to.match(/is not emptied \(delete_previous_file\): other processes are writing it/);
    writeFileSync(gate, "");
    expect((await first.exited).code).to.equal(0);
    let records = readBufferFile(store);
    expect(byActivity(records, "first")).to.equal(1000);
    expect(byActivity(records, "second")).to.equal(10);

    // Nobody writes it any more: the next owner empties it, as delete_previous_file asks.
    const third = produce(dir, [store, "third", "5", "new", "-"]);
    await third.ready;
    expect((await third.exited).code).to.equal(0);
    records = readBufferFile(store);
    expect(records.filter((r) => r.type === "task").map((r) => r.activity_id)).to.deep.equal(["third", "third", "third", "third", "third"]);
  });
});
