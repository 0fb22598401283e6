import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import { bufferFileFamily, readBufferFile } from "../../../exporters/jsonl/buffer-file.js";
import { FlowceptDb } from "../../../lib/query/FlowceptDb.js";
import { LocalQueryBackend } from "../../../lib/query/LocalQueryBackend.js";
import { MongoQueryBackend } from "../../../lib/query/MongoQueryBackend.js";
import { FlowceptQueryError, type QueryBackend } from "../../../lib/query/query-types.js";
import type { LineageGraph, LineageOptions } from "../../../lib/query/lineage-types.js";
import type { FlowceptRecord } from "../../../lib/records/records.js";
import { valueId } from "../../../lib/query/lineage-rule.js";
import { startMongoTarget } from "../../support/mongo-target.js";
import { captureDiag } from "../telemetry/diag-capture.js";
import { mongoStoreWith } from "../../support/mongo-store.js";
import { expectRejection } from "../../support/expect-rejection.js";

const execFileAsync = promisify(execFile);
const WF = "0a0a0a0a-0000-4000-8000-00000000000a";
const WF2 = "0b0b0b0b-0000-4000-8000-00000000000b";
const OTHER = "0c0c0c0c-0000-4000-8000-00000000000c";
const CAMPAIGN = "campaign-lineage";
const T = 1_800_000_000;

interface TaskSpec {
  activity: string;
  start: number;
  end?: number;
  used?: Record<string, unknown>;
  generated?: Record<string, unknown>;
  parent?: string;
  group?: string;
  workflow?: string;
  campaign?: string | null;
  subtype?: string;
}

function task(id: string, s: TaskSpec): FlowceptRecord {
  const r: FlowceptRecord = { type: "task", task_id: id, workflow_id: s.workflow ?? WF, activity_id: s.activity, status: "FINISHED", started_at: T + s.start, ended_at: T + (s.end ?? s.start + 0.5) };
  if (s.campaign !== null) r.campaign_id = s.campaign ?? CAMPAIGN;
  if (s.used) r.used = s.used;
  if (s.generated) r.generated = s.generated;
  if (s.parent) r.parent_task_id = s.parent;
  if (s.group) r.group_id = s.group;
  if (s.subtype) r.subtype = s.subtype;
  return r;
}

/**
 * Hand-made workflows with known answers:
 * - chain: a → b → c through file paths;
 * - fan-in: p1, p2 → merge; fan-out: fit → s1, s2, s3 (a model path);
 * - a loop: loop task with three iterations, each using the previous one's loss;
 * - values that must not link: 0, true, "a", "ab", 999, null, a value used before it was generated,
 *   a value of another campaign; the latest of two producers wins;
 * - a workflow of the same campaign that uses a value of the first one.
 */
function records(): FlowceptRecord[] {
  return [
    { type: "workflow", workflow_id: WF, campaign_id: CAMPAIGN, name: "lineage_known", status: "FINISHED", started_at: T, ended_at: T + 100 },
    task("root", { activity: "main", start: 0, end: 90, used: { config: "/etc/known.yaml" } }),
    // chain
    task("a", { activity: "extract", start: 1, parent: "root", used: { url: "https://example.org/raw.csv" }, generated: { out: "/data/a.bin" } }),
    task("b", { activity: "clean", start: 2, parent: "root", used: { inp: "/data/a.bin" }, generated: { out: "/data/b.bin", stats: { mean: 0.125, n: 3 } } }),
    task("c", { activity: "report", start: 3, parent: "root", used: { x: "/data/b.bin", mean: 0.125 }, generated: { y: 3.25 } }),
    // fan-in
    task("p1", { activity: "part", start: 4, generated: { path: "/parts/1.csv" } }),
    task("p2", { activity: "part", start: 4.2, generated: { path: "/parts/2.csv" } }),
    task("merge", { activity: "merge", start: 5, used: { first: "/parts/1.csv", second: "/parts/2.csv" }, generated: { merged: "/parts/all.csv" } }),
    // fan-out
    task("fit", { activity: "fit", start: 6, generated: { model: "/models/m1.pt" } }),
    task("s1", { activity: "serve", start: 7, used: { model: "/models/m1.pt" } }),
    task("s2", { activity: "serve", start: 7.1, used: { model: "/models/m1.pt" } }),
    task("s3", { activity: "serve", start: 7.2, used: { model: "/models/m1.pt" } }),
    // a loop whose iterations pass the loss on
    task("loop", { activity: "epochs", start: 10, end: 14, subtype: "loop" }),
    task("it0", { activity: "epochs_iteration", start: 10, end: 11, parent: "loop", group: "loop", used: { i: 0, epoch: 0 }, generated: { loss: 0.875 } }),
    task("it1", { activity: "epochs_iteration", start: 11, end: 12, parent: "loop", group: "loop", used: { i: 1, epoch: 1, prev_loss: 0.875 }, generated: { loss: 0.4375 } }),
    task("it2", { activity: "epochs_iteration", start: 12, end: 13, parent: "loop", group: "loop", used: { i: 2, epoch: 2, prev_loss: 0.4375 }, generated: { loss: 0.21875 } }),
    // values that must not link
    task("triv_gen", { activity: "trivial", start: 20, generated: { zero: 0, yes: true, a: "a", ab: "ab", small: 999, nothing: null, empty: {}, list: [0, 1, true] } }),
    task("triv_use", { activity: "trivial_user", start: 21, used: { zero: 0, yes: true, a: "a", ab: "ab", small: 999, nothing: null, empty: {}, list: [0, 1, true] } }),
    task("early", { activity: "early_user", start: 30, used: { token: "token-late" } }),
    task("late", { activity: "late_producer", start: 31, generated: { token: "token-late" } }),
    task("old", { activity: "producer", start: 40, generated: { version: "v-2024.1" } }),
    task("new", { activity: "producer", start: 41, generated: { version: "v-2024.1" } }),
    task("reader", { activity: "reader", start: 42, used: { version: "v-2024.1" } }),
    // a parent that generates what its child used; start times recorded to the millisecond
    task("outer", { activity: "outer", start: 60, end: 61, generated: { token: "tok-parent-xyz" } }),
    task("inner", { activity: "inner", start: 60.9995, end: 60.9999, parent: "outer", used: { token: "tok-parent-xyz" } }),
    task("fast", { activity: "fast", start: 69.9, end: 70.0004, generated: { result: "res-fast-1" } }),
    task("quick", { activity: "quick", start: 70, end: 70.1, used: { result: "res-fast-1" } }),
    task("foreign", { activity: "foreign", start: 3.5, workflow: OTHER, campaign: "another-campaign", used: { x: "/data/b.bin" } }),
    // another workflow of the same campaign uses the chain's result
    { type: "workflow", workflow_id: WF2, campaign_id: CAMPAIGN, name: "lineage_follow_up", status: "FINISHED", started_at: T + 50, ended_at: T + 60 },
    task("next", { activity: "follow_up", start: 51, workflow: WF2, used: { result: 3.25 } }),
  ];
}

function ids(g: LineageGraph, kind: "task" | "value" = "task"): string[] {
  return g.nodes
    .filter((n) => n.kind === kind)
    .map((n) => (n.kind === "task" ? n.task_id : n.value_id))
    .sort();
}

function depths(g: LineageGraph): Record<string, number | undefined> {
  const out: Record<string, number | undefined> = {};
  for (const n of g.nodes) if (n.kind === "task") out[n.task_id] = n.depth;
  return out;
}

function edgeSet(g: LineageGraph): string[] {
  const name = (id: string): string => {
    const n = g.nodes.find((x) => x.id === id);
    return n?.kind === "task" ? n.task_id : n?.kind === "value" ? JSON.stringify(n.value) : id;
  };
  return g.edges.map((e) => `${name(e.source)} -${e.kind}${e.key ? `:${e.key}` : ""}-> ${name(e.target)}`).sort();
}

function onBoth(name: string, setup: () => Promise<{ backend: QueryBackend; cleanup: () => Promise<void> }>): void {
  describe(`lineage over ${name}`, function () {
    this.timeout(60_000);
    let db: FlowceptDb;
    let cleanup: () => Promise<void>;
    const lineage = (o: LineageOptions): Promise<LineageGraph> => db.lineage(o);

    before(async () => {
      const s = await setup();
      cleanup = s.cleanup;
      db = new FlowceptDb({ backend: s.backend });
    });
    after(async () => {
      await db.close();
      await cleanup();
    });

    it("follows a chain upstream, with the values passed and their keys", async () => {
      const g = await lineage({ taskId: "c", direction: "upstream" });
      expect(ids(g)).to.deep.equal(["a", "b", "c", "root"]);
      expect(depths(g)).to.deep.equal({ c: 0, b: 1, root: 1, a: 2 });
      expect(edgeSet(g)).to.deep.equal(
        [
          '"/data/a.bin" -used:inp-> b',
          '"/data/b.bin" -used:x-> c',
          "0.125 -used:mean-> c",
          'a -generated:out-> "/data/a.bin"',
          'b -generated:out-> "/data/b.bin"',
          "b -generated:stats.mean-> 0.125",
          "root -parent-> a",
          "root -parent-> b",
          "root -parent-> c",
        ].sort(),
      );
      const value = g.nodes.find((n) => n.kind === "value" && n.value === "/data/b.bin");
      expect(value).to.deep.include({ value_id: valueId("/data/b.bin"), keys: ["generated.out", "used.x"], depth: 1, side: "upstream" });
      expect(g.nodes[0]).to.include({ task_id: "c", side: "start" });
    });

    it("stops at the depth limit", async () => {
      expect(ids(await lineage({ taskId: "c", direction: "upstream", depth: 1 }))).to.deep.equal(["b", "c", "root"]);
      expect(ids(await lineage({ taskId: "c", direction: "upstream", depth: 0 }))).to.deep.equal(["c"]);
      const dataOnly = await lineage({ taskId: "c", direction: "upstream", edges: ["dataflow"], depth: 1 });
      expect(ids(dataOnly)).to.deep.equal(["b", "c"]);
      expect(ids(await lineage({ taskId: "a", direction: "downstream", edges: ["dataflow"] }))).to.deep.equal(["a", "b", "c", "next"]);
      expect(ids(await lineage({ taskId: "a", direction: "downstream", edges: ["dataflow"], depth: 2 }))).to.deep.equal(["a", "b", "c"]);
    });

    it("walks downstream through control edges: a parent's children, a loop's iterations", async () => {
      const g = await lineage({ taskId: "root", direction: "downstream", edges: ["control"] });
      expect(ids(g)).to.deep.equal(["a", "b", "c", "root"]);
      const loop = await lineage({ taskId: "loop", direction: "downstream", depth: 1 });
      expect(ids(loop)).to.deep.equal(["it0", "it1", "it2", "loop"]);
      expect(edgeSet(loop)).to.deep.equal(["loop -loop-> it0", "loop -loop-> it1", "loop -loop-> it2"]);
    });

    it("links loop iterations by what one generated and the next used", async () => {
      const g = await lineage({ taskId: "it2", direction: "upstream", edges: ["dataflow"] });
      expect(ids(g)).to.deep.equal(["it0", "it1", "it2"]);
      expect(edgeSet(g)).to.include.members(["it1 -generated:loss-> 0.4375", "0.4375 -used:prev_loss-> it2", "it0 -generated:loss-> 0.875"]);
      expect(ids(await lineage({ taskId: "it2", direction: "upstream", depth: 1 }))).to.deep.equal(["it1", "it2", "loop"]);
    });

    it("answers fan-in and fan-out", async () => {
      expect(ids(await lineage({ taskId: "merge", direction: "upstream" }))).to.deep.equal(["merge", "p1", "p2"]);
      const out = await lineage({ taskId: "fit", direction: "downstream" });
      expect(ids(out)).to.deep.equal(["fit", "s1", "s2", "s3"]);
      expect(ids(out, "value")).to.deep.equal([valueId("/models/m1.pt")]);
      expect(out.edges.filter((e) => e.kind === "used")).to.have.length(3);
    });

    it("does not link trivial values, values used before they were generated, or another campaign's tasks", async () => {
      expect(ids(await lineage({ taskId: "triv_use" }))).to.deep.equal(["triv_use"]);
      expect(ids(await lineage({ taskId: "triv_gen" }))).to.deep.equal(["triv_gen"]);
      expect(ids(await lineage({ taskId: "early", direction: "upstream" }))).to.deep.equal(["early"]);
      expect(ids(await lineage({ taskId: "late", direction: "downstream" }))).to.deep.equal(["late"]);
      expect(ids(await lineage({ taskId: "foreign" }))).to.deep.equal(["foreign"]);
    });

    it("never takes a parent for the producer of its child's input, and allows for millisecond start times", async () => {
      expect(ids(await lineage({ taskId: "inner", direction: "upstream", edges: ["dataflow"] }))).to.deep.equal(["inner"]);
      expect(ids(await lineage({ taskId: "quick", direction: "upstream" }))).to.deep.equal(["fast", "quick"]);
      expect(ids(await lineage({ taskId: "fast", direction: "downstream" }))).to.deep.equal(["fast", "quick"]);
      // MongoDB keeps times to the millisecond: only the local store still tells 70.0004 from 70.
      if (name === "the local store") expect(ids(await lineage({ taskId: "quick", direction: "upstream", rule: { clockTolerance: 0 } }))).to.deep.equal(["quick"]);
    });

    it("links a consumer to the latest producer before it, not to every producer of the content", async () => {
      expect(ids(await lineage({ taskId: "reader", direction: "upstream" }))).to.deep.equal(["new", "reader"]);
      expect(ids(await lineage({ taskId: "old", direction: "downstream" }))).to.deep.equal(["old"]);
      expect(ids(await lineage({ taskId: "new", direction: "downstream" }))).to.deep.equal(["new", "reader"]);
    });

    it("links workflows of one campaign, or only within a workflow under the workflow scope", async () => {
      expect(ids(await lineage({ taskId: "next", direction: "upstream", edges: ["dataflow"], depth: 1 }))).to.deep.equal(["c", "next"]);
      expect(ids(await lineage({ taskId: "next", direction: "upstream", rule: { scope: "workflow" } }))).to.deep.equal(["next"]);
    });

    it("applies a configured rule: shorter strings and smaller integers, same key names", async () => {
      const loose = await lineage({ taskId: "triv_use", direction: "upstream", rule: { minStringLength: 2, minIntegerMagnitude: 2 } });
      expect(ids(loose)).to.deep.equal(["triv_gen", "triv_use"]);
      expect(ids(loose, "value")).to.deep.equal([valueId("ab"), valueId(999)].sort());
      expect(ids(await lineage({ taskId: "c", direction: "upstream", edges: ["dataflow"], depth: 1, rule: { sameKey: true } }))).to.deep.equal(["b", "c"]);
      const sameKey = await lineage({ taskId: "b", direction: "upstream", edges: ["dataflow"], rule: { sameKey: true } });
      expect(ids(sameKey)).to.deep.equal(["b"]); // a generated it as "out", b used it as "inp"
    });

    it("starts from a value: who generated it upstream, who used it downstream", async () => {
      const g = await lineage({ value: "/data/a.bin", depth: 1 });
      expect(ids(g)).to.deep.equal(["a", "b"]);
      expect(g.nodes[0]).to.include({ kind: "value", value: "/data/a.bin", side: "start", depth: 0 });
      expect(g.start).to.deep.include({ value: "/data/a.bin", value_id: valueId("/data/a.bin") });
      expect(ids(await lineage({ value: "/data/a.bin", direction: "downstream" }))).to.deep.equal(["b", "c", "next"]);
      expect(ids(await lineage({ value: 0.875, key: "prev_loss", depth: 1 }))).to.deep.equal(["it1"]);
      expect(ids(await lineage({ value: "/data/b.bin", workflowId: WF, depth: 1 }))).to.deep.equal(["b", "c"]);
    });

    it("starts from a task's value under a key", async () => {
      const used = await lineage({ taskId: "c", key: "x", direction: "upstream" });
      expect(ids(used)).to.deep.equal(["a", "b", "c", "root"]);
      const onlyX = await lineage({ taskId: "c", key: "x", direction: "upstream", depth: 1 });
      expect(ids(onlyX)).to.deep.equal(["b", "c"]);
      const generated = await lineage({ taskId: "b", key: "out", direction: "downstream", depth: 1 });
      expect(ids(generated)).to.deep.equal(["b", "c"]);
      expect(generated.nodes.find((n) => n.kind === "value")).to.include({ value: "/data/b.bin", side: "start" });
    });

    it("gives the graph of a whole workflow", async () => {
      const g = await lineage({ workflowId: WF });
      expect(ids(g)).to.have.length(26);
      expect(g.nodes.every((n) => n.side === "workflow" && n.depth === undefined)).to.equal(true);
      expect(edgeSet(g)).to.include.members(["root -parent-> a", "loop -loop-> it1", '"/models/m1.pt" -used:model-> s3']);
      expect(edgeSet(g).some((e) => e.includes("next") || e.includes("foreign"))).to.equal(false);
    });

    it("finds a task by a unique end of its id, and refuses what is not there", async () => {
      const wide = await lineage({ taskId: "erge", direction: "upstream" });
      expect(wide.start.task_id).to.equal("merge");
      await expectRejection(lineage({ taskId: "nope-nope" }), FlowceptQueryError, /no task "nope-nope"/);
      await expectRejection(lineage({ value: 0 }), FlowceptQueryError, /0 is a trivial value under the lineage rule/);
      await expectRejection(lineage({ value: "/never/seen" }), FlowceptQueryError, /no task used or generated "\/never\/seen"/);
      await expectRejection(lineage({ taskId: "c", key: "mean_missing" }), FlowceptQueryError, /used and generated nothing under key "mean_missing"/);
      await expectRejection(lineage({ taskId: "it0", key: "i" }), FlowceptQueryError, /used\.i of task it0 is 0, a trivial value/);
      await expectRejection(lineage({ taskId: "c", depth: -1 }), FlowceptQueryError, /depth must be a non-negative integer/);
      await expectRejection(lineage({ taskId: "c", rule: { minStringLength: -2 } }), FlowceptQueryError, /minStringLength must be an integer/);
      await expectRejection(lineage({ workflowId: "no-such-workflow" }), FlowceptQueryError, /no task of workflow/);
      await expectRejection(lineage({}), FlowceptQueryError, /needs a task id, a value, or a workflow id/);
    });
  });
}


onBoth("the local store", async () => {
  const dir = mkdtempSync(join(tmpdir(), "flowcept-lineage-"));
  const path = join(dir, "flowcept_buffer.jsonl");
  const all = records();
  // Split over the base file and a sibling, as two processes with append_id_to_path write them;
  // task b arrives as a RUNNING then a FINISHED message.
  const b = all.find((r) => r.task_id === "b")!;
  const bRunning = { type: "task", task_id: "b", workflow_id: WF, campaign_id: CAMPAIGN, activity_id: "clean", status: "RUNNING", started_at: b.started_at, used: b.used, parent_task_id: "root" };
  const bFinished = { type: "task", task_id: "b", workflow_id: WF, status: "FINISHED", ended_at: b.ended_at, generated: b.generated };
  const rest = all.filter((r) => r !== b);
  writeFileSync(path, [bRunning, ...rest.slice(0, 12)].map((m) => JSON.stringify(m)).join("\n") + "\n");
  writeFileSync(join(dir, "flowcept_buffer_host-2.jsonl"), [...rest.slice(12), bFinished].map((m) => JSON.stringify(m)).join("\n") + "\n");
  return { backend: new LocalQueryBackend({ path }), cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
});

onBoth("MongoDB", () => mongoStoreWith(records()));

describe("the lineage index kept beside the local store", function () {
  this.timeout(30_000);
  let dir: string;
  let path: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "flowcept-lineage-index-"));
    path = join(dir, "flowcept_buffer.jsonl");
    writeFileSync(path, records().map((m) => JSON.stringify(m)).join("\n") + "\n");
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** Answers the upstream of task c from a fresh query API (the right answer checked); resolves to the warnings logged. */
  async function upstreamOfCWarnings(): Promise<string> {
    const diag = captureDiag();
    try {
      const g = await new FlowceptDb({ backend: new LocalQueryBackend({ path }) }).lineage({ taskId: "c", direction: "upstream" });
      expect(ids(g)).to.deep.equal(["a", "b", "c", "root"]);
    } finally {
      diag.restore();
    }
    return diag.warnings.join("\n");
  }

  it("is built once, reused while the store is unchanged, and built again when the store grows", async () => {
    const db = new FlowceptDb({ backend: new LocalQueryBackend({ path }) });
    const steps: string[] = [];
    await db.lineage({ taskId: "c", onProgress: (step) => steps.push(step) });
    expect(steps[0]).to.equal(`indexing ${path}`);
    const built = statSync(`${path}.lineage-index`).mtimeMs;
    await new FlowceptDb({ backend: new LocalQueryBackend({ path }) }).lineage({ taskId: "c" });
    expect(statSync(`${path}.lineage-index`).mtimeMs).to.equal(built);

    appendFileSync(path, `${JSON.stringify(task("d", { activity: "archive", start: 4, used: { y: 3.25 } }))}\n`);
    const g = await db.lineage({ taskId: "a", direction: "downstream", edges: ["dataflow"] });
    expect(ids(g)).to.deep.equal(["a", "b", "c", "d", "next"]);
    expect(statSync(`${path}.lineage-index`).mtimeMs).to.not.equal(built);
    await db.close();
  });

  it("is built again, with a warning, when the kept file is damaged", async () => {
    const db = new FlowceptDb({ backend: new LocalQueryBackend({ path }) });
    await db.lineage({ taskId: "c" });
    const file = `${path}.lineage-index`;
    const bytes = readFileSync(file);
    writeFileSync(file, bytes.subarray(0, bytes.length - 100));
    expect(await upstreamOfCWarnings()).to.match(/is truncated; building the lineage index again/);
    expect(statSync(file).size).to.equal(bytes.length);
  });

  it("answers from memory, with a warning, when the index cannot be kept", async () => {
    mkdirSync(`${path}.lineage-index`); // a directory where the file should go
    expect(await upstreamOfCWarnings()).to.match(/cannot keep the lineage index at .*held in memory for this process only/);
  });

  it("skips corrupt lines, leaves a torn last line for later, and takes odd ids and wide records as they are", async () => {
    const odd = "../../etc/passwd\u0000\"quoted\"";
    const wide = Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`k${i}`, `wide-value-${i}`]));
    appendFileSync(
      path,
      [
        "{not json",
        "[1,2,3]",
        "null",
        JSON.stringify(task(odd, { activity: "odd", start: 80, generated: { path: "/odd/out.bin", ...wide } })),
        JSON.stringify(task("after-odd", { activity: "after", start: 81, used: { inp: "/odd/out.bin", other: "wide-value-1999" } })),
        `{"type":"task","task_id":"torn","workflow_id":"${WF}","campaign_id":"${CAMPAIGN}","used":{"inp":"/odd/out.bin"}`,
      ].join("\n"),
    );
    const db = new FlowceptDb({ backend: new LocalQueryBackend({ path }) });
    const g = await db.lineage({ taskId: "after-odd", direction: "upstream", edges: ["dataflow"] });
    expect(ids(g)).to.deep.equal(["after-odd", odd].sort());
    expect(ids(g, "value")).to.deep.equal([valueId("/odd/out.bin"), valueId("wide-value-1999")].sort());
    await expectRejection(db.lineage({ taskId: "torn" }), FlowceptQueryError, /no task "torn"/);
    appendFileSync(path, "}\n");
    expect(ids(await db.lineage({ taskId: "torn", direction: "upstream" }))).to.deep.equal([odd, "torn"].sort());
    await db.close();
  });

  it("writes the index through a file of its own, never through a link planted where its temporary file goes", async () => {
    const victim = join(dir, "victim.txt");
    writeFileSync(victim, "keep me");
    symlinkSync(victim, `${path}.lineage-index.${process.pid}.tmp`);
    const db = new FlowceptDb({ backend: new LocalQueryBackend({ path }) });
    expect(ids(await db.lineage({ taskId: "c", direction: "upstream" }))).to.deep.equal(["a", "b", "c", "root"]);
    expect(readFileSync(victim, "utf8")).to.equal("keep me");
    expect(statSync(`${path}.lineage-index`).size).to.be.greaterThan(1000);
    await db.close();
  });

  it("answers an empty or missing store with a clear error", async () => {
    const missing = new FlowceptDb({ backend: new LocalQueryBackend({ path: join(dir, "none.jsonl") }) });
    await expectRejection(missing.lineage({ taskId: "c" }), FlowceptQueryError, /no task "c" in .*none\.jsonl/);
  });
});

describe("lineage of a value passed through several processes", function () {
  this.timeout(90_000);
  const STAGE = new URL("../../children/lineage-stage.js", import.meta.url).pathname;

  it("links the tasks of three processes of one workflow, in the local store (one file each) and in MongoDB", async () => {
    const target = await startMongoTarget();
    const dir = mkdtempSync(join(tmpdir(), "flowcept-lineage-procs-"));
    try {
      const store = join(dir, "flowcept_buffer.jsonl");
      const settings = join(dir, "settings.yaml");
      writeFileSync(
        settings,
        [
          "project:",
          "  dump_buffer:",
          `    path: ${store}`,
          "    append_id_to_path: true",
          "databases:",
          "  mongodb:",
          "    enabled: true",
          `    uri: ${target.uri}`,
          `    db: ${target.dbName}`,
          "db_buffer:",
          `  spill_dir: ${join(dir, "spill")}`,
          "",
        ].join("\n"),
      );
      const workflowId = randomUUID();
      const run = `/runs/${workflowId.slice(0, 8)}`;
      const stages: [string, string, string][] = [
        ["ingest", "-", `${run}/raw.parquet`],
        ["train", `${run}/raw.parquet`, `${run}/model.pt`],
        ["evaluate", `${run}/model.pt`, `${run}/report.html`],
      ];
      for (const [stage, input, output] of stages) {
        await execFileAsync(process.execPath, [STAGE, workflowId, "campaign-procs", stage, input, output], { env: { ...process.env, FLOWCEPT_SETTINGS_PATH: settings } });
      }
      // One file per process: each holds one stage's task.
      const perFile = bufferFileFamily(store).map((f) => readBufferFile(f).filter((r) => r.type === "task").map((r) => r.activity_id));
      expect(perFile.flat().sort()).to.deep.equal(["evaluate", "ingest", "train"]);
      expect(perFile.every((a) => a.length === 1)).to.equal(true);
      for (const backend of [new LocalQueryBackend({ path: store }), new MongoQueryBackend({ uri: target.uri, dbName: target.dbName })]) {
        const db = new FlowceptDb({ backend });
        const g = await db.lineage({ value: `${run}/report.html`, direction: "upstream" });
        expect(g.nodes.filter((n) => n.kind === "task").map((n) => (n as { activity_id: string }).activity_id), backend.kind).to.deep.equal(["evaluate", "train", "ingest"]);
        expect(g.nodes.filter((n) => n.kind === "value").map((n) => (n as { value: unknown }).value)).to.have.members([`${run}/report.html`, `${run}/model.pt`, `${run}/raw.parquet`]);
        const down = await db.lineage({ value: `${run}/raw.parquet`, direction: "downstream" });
        expect(down.nodes.filter((n) => n.kind === "task").map((n) => (n as { activity_id: string }).activity_id)).to.deep.equal(["train", "evaluate"]);
        await db.close();
      }
    } finally {
      await target.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
