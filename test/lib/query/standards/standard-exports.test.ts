/**
 * The mapping of Flowcept records to the standards: PROV (entities by
 * content shared by producer and consumer, trivial values per task and key,
 * derivations from the dataflow, parents, agents, the plan and the bundle),
 * PROV-O JSON-LD, the RO-Crate's entities, and OpenLineage events — the
 * same from the local store and from MongoDB.
 */
import { expect } from "chai";
import { mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FlowceptDb } from "../../../../lib/query/FlowceptDb.js";
import { LocalQueryBackend } from "../../../../lib/query/LocalQueryBackend.js";
import { exportRecords, type ExportResult } from "../../../../lib/query/standards/export-workflow.js";
import { FlowceptQueryError } from "../../../../lib/query/query-types.js";
import type { FlowceptRecord } from "../../../../lib/records/records.js";
import { mongoStoreWith } from "../../../support/mongo-store.js";
import { expectRejection } from "../../../support/expect-rejection.js";

const WF = "7d6c2f3e-2b1a-4c5d-8e9f-0a1b2c3d4e5f";
const T = (n: string): string => `7d6c2f3e2b1a4c5d8e9f0a1b2c3d4e5f-${n.padStart(16, "0")}`;

function records(): FlowceptRecord[] {
  const task = (n: string, fields: Record<string, unknown>): FlowceptRecord => ({ type: "task", task_id: T(n), workflow_id: WF, campaign_id: "c1", hostname: "node-1", status: "FINISHED", ...fields }) as FlowceptRecord;
  return [
    { type: "workflow", workflow_id: WF, campaign_id: "c1", name: "demo", user: "ada", used: { lr: 0.5, epochs: 2 }, started_at: 100, ended_at: 110, status: "FINISHED" },
    task("1", { activity_id: "load", used: { path: "/data/in.csv" }, generated: { table: "/data/table.parquet", rows: 5000 }, started_at: 101, ended_at: 102 }),
    task("2", { activity_id: "train", used: { table: "/data/table.parquet", lr: 0.5, seed: 1 }, generated: { model: "/data/model.pt" }, started_at: 103, ended_at: 105 }),
    task("3", { activity_id: "step", parent_task_id: T("2"), used: { i: 0 }, generated: { loss: 0.25 }, started_at: 103.5, ended_at: 104 }),
    task("4", { activity_id: "evaluate", used: { model: "/data/model.pt" }, status: "ERROR", stderr: "boom <b>", started_at: 106, ended_at: 107, agent_id: "critic" }),
  ];
}

async function exportAll(from: (format: ExportResult["format"], out?: string) => Promise<ExportResult>): Promise<Record<string, ExportResult>> {
  const out: Record<string, ExportResult> = {};
  for (const f of ["prov-json", "prov-jsonld", "openlineage"] as const) out[f] = await from(f);
  return out;
}

describe("standard exports: the mapping", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "flowcept-std-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("PROV: one entity per distinct value by content, shared by producer and consumer; trivial values per task and key", async () => {
    const r = await exportRecords(records(), { workflowId: WF, format: "prov-json" });
    const bundle = Object.values((r.document as { bundle: Record<string, Record<string, Record<string, Record<string, unknown>>>> }).bundle)[0]!;
    const entities = Object.entries(bundle.entity!);
    const table = entities.filter(([, e]) => e["prov:value"] === "/data/table.parquet");
    expect(table).to.have.length(1);
    const tableId = table[0]![0];
    const gen = Object.values(bundle.wasGeneratedBy!).filter((g) => g["prov:entity"] === tableId);
    const used = Object.values(bundle.used!).filter((u) => u["prov:entity"] === tableId);
    expect(gen.map((g) => g["prov:activity"])).to.deep.equal([`task:${T("1")}`]);
    expect(used.map((u) => [u["prov:activity"], u["prov:role"]])).to.deep.equal([[`task:${T("2")}`, "table"]]);
    // lr 0.5 is used by the workflow and by train: one entity. seed 1 and i 0 are trivial: one entity per task and key.
    expect(entities.filter(([, e]) => e["prov:value"] === 0.5)).to.have.length(1);
    expect(entities.filter(([id]) => id.includes("%2Fused%2Fseed"))).to.have.length(1);
    expect(r.counts).to.include({ activities: 5, wasInformedBy: 1 });
    // train derived its model from the table it used (dataflow), not from lr (no producer).
    expect(Object.values(bundle.wasDerivedFrom!)).to.deep.equal([{ "prov:generatedEntity": gen[0] && entities.find(([, e]) => e["prov:value"] === "/data/model.pt")![0], "prov:usedEntity": tableId, "prov:activity": `task:${T("2")}` }]);
    const assoc = Object.values(bundle.wasAssociatedWith!);
    expect(assoc.filter((a) => a["prov:activity"] === `task:${T("4")}`).map((a) => a["prov:agent"])).to.deep.equal(["agent:host.node-1", "agent:agent.critic"]);
    expect(new Set(assoc.map((a) => a["prov:plan"]))).to.deep.equal(new Set([`workflow:${WF}.plan`]));
    expect(bundle.agent!["agent:user.ada"]!["prov:type"]).to.deep.equal({ $: "prov:Person", type: "xsd:QName" });
    const doc = r.document as { entity: Record<string, unknown>; wasAttributedTo: Record<string, unknown> };
    expect(Object.keys(doc.entity)).to.deep.equal([`workflow:${WF}.provenance`]);
    expect(Object.values(doc.wasAttributedTo)).to.deep.equal([{ "prov:entity": `workflow:${WF}.provenance`, "prov:agent": "agent:flowcept-otel" }]);
  });

  it("PROV-O JSON-LD: the bundle is a named graph of the same statements, with an inline context and qualified relations", async () => {
    const r = await exportRecords(records(), { workflowId: WF, format: "prov-jsonld" });
    const doc = r.document as { "@context": Record<string, string>; "@graph": Record<string, unknown>[] };
    expect(doc["@context"].prov).to.equal("http://www.w3.org/ns/prov#");
    const bundle = doc["@graph"].find((n) => n["@id"] === `workflow:${WF}.provenance`)!;
    expect(bundle["@type"]).to.deep.equal(["prov:Entity", "prov:Bundle"]);
    const graph = bundle["@graph"] as Record<string, unknown>[];
    const train = graph.find((n) => n["@id"] === `task:${T("2")}`)!;
    expect(train["prov:startedAtTime"]).to.deep.equal({ "@value": "1970-01-01T00:01:43.000000Z", "@type": "xsd:dateTime" });
    expect((train["prov:qualifiedUsage"] as Record<string, unknown>[]).map((u) => (u["prov:hadRole"] as { "@value": string })["@value"]).sort()).to.deep.equal(["lr", "seed", "table"]);
    expect(graph.filter((n) => (n["@type"] as string[]).includes("prov:Activity"))).to.have.length(r.counts.activities!);
  });

  it("OpenLineage: START and COMPLETE/FAIL per task with stable run ids, the workflow as parent run, trace and span ids, file-like datasets", async () => {
    const a = await exportRecords(records(), { workflowId: WF, format: "openlineage", namespace: "lab" });
    const b = await exportRecords(records(), { workflowId: WF, format: "openlineage", namespace: "lab" });
    const events = a.document as Record<string, any>[];
    expect(events).to.deep.equal(b.document);
    expect(events.map((e) => `${e.job.name} ${e.eventType}`)).to.deep.equal(["demo START", "load START", "load COMPLETE", "train START", "step START", "step COMPLETE", "train COMPLETE", "evaluate START", "evaluate FAIL", "demo COMPLETE"]);
    const load = events[1]!;
    expect(load.run.runId).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(load.run.facets.parent.run.runId).to.equal(WF);
    expect(load.run.facets.parent.job).to.deep.equal({ namespace: "lab", name: "demo" });
    expect(load.run.facets.flowcept).to.include({ trace_id: WF.replace(/-/g, ""), span_id: "0000000000000001", task_id: T("1") });
    expect(load.inputs).to.deep.equal([{ namespace: "file", name: "/data/in.csv", facets: {} }]);
    expect(events[2]!.outputs).to.deep.equal([{ namespace: "file", name: "/data/table.parquet", facets: {} }]);
    expect(events[8]!.run.facets.errorMessage).to.include({ message: "boom <b>", programmingLanguage: "JavaScript" });
    expect(events[0]!.eventTime).to.equal("1970-01-01T00:01:40.000000Z");
  });

  it("RO-Crate: the workflow, a tool, a step and a control action per activity, a CreateAction per task, the engine's OrganizeAction; large values as files", async () => {
    const out = join(dir, "crate");
    const rec = records();
    (rec[2] as { used: Record<string, unknown> }).used.big = "x".repeat(10_000);
    const r = await exportRecords(rec, { workflowId: WF, format: "ro-crate", out });
    const meta = JSON.parse(readFileSync(join(out, "ro-crate-metadata.json"), "utf8")) as { "@graph": Record<string, any>[] };
    const byId = new Map(meta["@graph"].map((e) => [e["@id"] as string, e]));
    const typed = (t: string): Record<string, any>[] => meta["@graph"].filter((e) => [e["@type"]].flat().includes(t));
    expect(typed("CreateAction")).to.have.length(5);
    expect(typed("ControlAction")).to.have.length(4);
    expect(typed("HowToStep")).to.have.length(4);
    expect(byId.get("./")!.mainEntity).to.deep.equal({ "@id": "workflow.json" });
    const evaluate = byId.get(`#task-${T("4")}`)!;
    expect(evaluate).to.include({ actionStatus: "http://schema.org/FailedActionStatus", error: "boom <b>", startTime: "1970-01-01T00:01:46.000+00:00" });
    expect(byId.get("#engine-run")!.result).to.deep.equal({ "@id": "#workflow-run" });
    const files = readdirSync(join(out, "values"));
    expect(files).to.have.length(1);
    expect(readFileSync(join(out, "values", files[0]!), "utf8")).to.equal(JSON.stringify("x".repeat(10_000)));
    expect(r.counts.CreateAction).to.equal(5);
    expect(readFileSync(join(out, "ro-crate-preview.html"), "utf8")).to.include("boom &lt;b&gt;").and.not.include("boom <b>");
  });

  it("refuses to write a crate into a non-empty directory or through a planted link, and names bad options", async () => {
    const out = join(dir, "taken");
    await exportRecords(records(), { workflowId: WF, format: "ro-crate", out });
    await expectRejection(exportRecords(records(), { workflowId: WF, format: "ro-crate", out }), FlowceptQueryError, /not an empty directory/);
    const target = join(dir, "victim.txt");
    writeFileSync(target, "keep");
    symlinkSync(target, join(dir, "link.prov.json"));
    await exportRecords(records(), { workflowId: WF, format: "prov-json", out: join(dir, "link.prov.json") });
    expect(readFileSync(target, "utf8")).to.equal("keep");
    await expectRejection(exportRecords(records(), { workflowId: WF, format: "nope" as never }), FlowceptQueryError, /unknown export format/);
    await expectRejection(exportRecords(records(), { workflowId: "missing", format: "prov-json" }), FlowceptQueryError, /no workflow "missing"/);
    await expectRejection(exportRecords(records(), { workflowId: WF, format: "openlineage", url: "ftp://x" }), FlowceptQueryError, /http:\/\/ or https:\/\//);
  });

  it("names the destination when it cannot be written (its folder is a file) and leaves nothing behind", async () => {
    const file = join(dir, "a-file");
    writeFileSync(file, "keep");
    for (const [format, out] of [["prov-json", "run.prov.json"], ["openlineage", "run.jsonl"], ["ro-crate", "crate"], ["ro-crate", "crate.zip"]] as const) {
      const path = join(file, out);
      await expectRejection(exportRecords(records(), { workflowId: WF, format, out: path }), FlowceptQueryError, new RegExp(`^cannot write ${path.replace(/[.]/g, "\\.")}: ENOTDIR`));
    }
    expect(readFileSync(file, "utf8")).to.equal("keep");
  });

  it("gives the same documents from the local store and from MongoDB", async () => {
    const path = join(dir, "store.jsonl");
    writeFileSync(path, records().map((r) => `${JSON.stringify(r)}\n`).join(""));
    const local = new FlowceptDb({ backend: new LocalQueryBackend({ path }) });
    const mongo = await mongoStoreWith(records());
    const remote = new FlowceptDb({ backend: mongo.backend });
    try {
      const a = await exportAll((format) => local.export({ workflowId: WF, format }));
      const b = await exportAll((format) => remote.export({ workflowId: WF, format }));
      for (const f of Object.keys(a)) expect(b[f]!.document, f).to.deep.equal(a[f]!.document);
      expect(a["prov-json"]!.counts).to.include({ activities: 5, wasDerivedFrom: 1 });
    } finally {
      await local.close();
      await remote.close();
      await mongo.cleanup();
    }
  });
});

