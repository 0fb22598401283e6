import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { runCli, buildCli } from "../../../lib/cli/program.js";
import type { LineageGraph } from "../../../lib/query/lineage-types.js";
import { runCliProcess as cli } from "../../support/run-cli.js";

const WF = "0d0d0d0d-0000-4000-8000-00000000000d";
const T = 1_800_000_000;


describe("flowcept-otel lineage", function () {
  this.timeout(30_000);
  let dir: string;
  let store: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), "flowcept-lineage-cli-"));
    store = join(dir, "flowcept_buffer.jsonl");
    const t = (id: string, activity: string, start: number, extra: Record<string, unknown>) => ({ type: "task", task_id: `${WF.replace(/-/g, "")}-${id}`, workflow_id: WF, campaign_id: "c", activity_id: activity, status: "FINISHED", started_at: T + start, ended_at: T + start + 0.5, ...extra });
    const lines = [
      { type: "workflow", workflow_id: WF, name: "cli_lineage", status: "FINISHED", started_at: T, ended_at: T + 10 },
      t("00000000000000a1", "load", 1, { generated: { table: 'data "quoted" \\ path|<b>' } }),
      t("00000000000000b2", "fit", 2, { used: { table: 'data "quoted" \\ path|<b>' }, generated: { model: "/models/cli.pt" } }),
      t("00000000000000c3", "serve", 3, { used: { model: "/models/cli.pt" } }),
    ];
    writeFileSync(store, lines.map((l) => JSON.stringify(l)).join("\n") + "\n");
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("prints the nodes and edges as tables, the graph as JSON, and takes a task by the end of its id", async () => {
    const table = await cli(["lineage", "00000000000000c3", "--upstream", "--buffer-path", store]);
    expect(table.code, table.stderr).to.equal(0);
    expect(table.stdout).to.match(/^depth\s+side\s+kind\s+name\s+id\s+status\s+started_at/);
    expect(table.stdout).to.match(/0\s+●\s+task\s+serve …0000000000c3/);
    expect(table.stdout).to.match(/2\s+↑\s+task\s+load/);
    expect(table.stdout).to.match(/fit …0000000000b2\s+generated model\s+model = \/models\/cli\.pt/);
    const json = await cli(["lineage", "00000000000000c3", "--upstream", "--depth", "1", "--json", "--buffer-path", store]);
    const g = JSON.parse(json.stdout) as LineageGraph;
    expect(g.nodes.map((n) => n.kind)).to.deep.equal(["task", "task", "value"]);
    expect(g.depth).to.equal(1);
    expect(g.edges.map((e) => e.kind)).to.deep.equal(["generated", "used"]);
  });

  it("writes Graphviz DOT and Mermaid with hostile labels escaped", async () => {
    const dot = await cli(["lineage", "--workflow-id", WF, "--format", "dot", "--buffer-path", store]);
    expect(dot.code, dot.stderr).to.equal(0);
    expect(dot.stdout).to.match(/^digraph lineage \{\n/);
    expect(dot.stdout).to.contain('label="table = data \\"quoted\\" \\\\ path|<b>"');
    // Every line is a statement with balanced quotes (no label breaks out of its string).
    for (const line of dot.stdout.trim().split("\n").slice(1, -1)) expect(line.replace(/\\\\/g, "").replace(/\\"/g, "").split('"').length % 2, line).to.equal(1);
    const mermaid = await cli(["lineage", "--workflow-id", WF, "--format", "mermaid", "--buffer-path", store]);
    expect(mermaid.stdout).to.match(/^flowchart LR\n/);
    expect(mermaid.stdout).to.contain('(["table = data #34;quoted#34; #92; path#124;#60;b#62;"])');
    expect(mermaid.stdout).to.match(/n\d+ -->\|model\| n\d+/);
    expect(mermaid.stdout).not.to.match(/<b>/);
  });

  it("explains what it cannot answer, with exit code 1", async () => {
    const trivial = await cli(["lineage", "--value", "true", "--buffer-path", store]);
    expect(trivial.code).to.equal(1);
    expect(trivial.stderr).to.contain("true is a trivial value under the lineage rule");
    const none = await cli(["lineage", "--buffer-path", store]);
    expect(none.code).to.equal(1);
    expect(none.stderr).to.contain("give a task id, --value, or --workflow-id");
    const bad = await cli(["lineage", "x", "--edges", "everything", "--buffer-path", store]);
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.contain("expected control, dataflow or control,dataflow");
  });

  it("shows a progress line while it builds the index on a terminal, and nothing otherwise", async () => {
    const fresh = join(dir, "progress.jsonl");
    // More than the few MB from which reading a store shows progress.
    writeFileSync(fresh, Array.from({ length: 40_000 }, (_, i) => JSON.stringify({ type: "task", task_id: `p${i}`, workflow_id: WF, activity_id: "a", started_at: T + i, used: { x: `in-${i}` }, generated: { y: `in-${i + 1}` } })).join("\n") + "\n");
    let err = "";
    let out = "";
    const io = { out: (t: string) => void (out += t), err: (t: string) => void (err += t), errIsTTY: true };
    const code = await runCli(["node", "flowcept-otel", "lineage", "p10", "--downstream", "--depth", "3", "--buffer-path", fresh], io, buildCli(io));
    expect(code, err).to.equal(0);
    expect(err).to.match(/^\r\x1b\[Kindexing .*progress\.jsonl: [\d.]+ MB of [\d.]+ MB/);
    expect(err.endsWith("\r\x1b[K")).to.equal(true);
    expect(out).to.match(/p13/);
    const piped = await cli(["lineage", "p10", "--buffer-path", fresh]);
    expect(piped.stderr).to.equal("");
  });
});
