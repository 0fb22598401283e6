import { execFile } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { expect } from "chai";
import { Flowcept } from "../../../lib/index.js";
import { FlowceptDb } from "../../../lib/query/FlowceptDb.js";
import { LocalQueryBackend } from "../../../lib/query/LocalQueryBackend.js";
import { ReportError } from "../../../lib/report/ReportError.js";
import { generateReport } from "../../../lib/report/generate-report.js";
import { telemetrySpec } from "../../../lib/report/report-charts.js";
import { CHILDREN, FIXTURES } from "../../support/paths.js";

const run = promisify(execFile);
const EXAMPLE = fileURLToPath(new URL("../../../examples/main-workflow.js", import.meta.url));
const CLI = fileURLToPath(new URL("../../../lib/cli/main.js", import.meta.url));
/** Written by Python Flowcept 1.0.3 in offline mode, telemetry on (see test/fixtures/README.md); read from a copy, as lineage keeps its index beside the store. */
const PYTHON_FIXTURE = join(FIXTURES, "flowcept", "flowcept-1.0.3-offline.jsonl");

/** The section headings of Flowcept's workflow card, and the two this project adds. */
const CARD_SECTIONS = [
  "## 1. Workflow",
  "## 2. Summary",
  "## 3. Infrastructure",
  "## 4. Workflow Overview",
  "### 4.1 Run Summary",
  "### 4.2 Workflow Structure",
  "### 4.3 Resource Usage",
  "### 4.4 Observations",
  "## 5. Activities",
  "### Timing Report",
  "### Per Activity Details",
  "## 6. Significant Workflow Artifacts",
  "## 7. Lineage Highlights",
  "## 8. Errors",
];

function headings(md: string): string[] {
  return md.split("\n").filter((l) => /^#{2,3} /.test(l));
}

describe("workflow reports", function () {
  this.timeout(60_000);
  let dir: string;
  let store: string;
  const env: NodeJS.ProcessEnv = { ...process.env, FLOWCEPT_MONGO_URI: "", MONGODB_URI: "" };
  delete env.FLOWCEPT_SETTINGS_PATH;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "flowcept-report-"));
    store = join(dir, "flowcept_buffer.jsonl");
    await run(process.execPath, [EXAMPLE], { cwd: dir, env });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("writes the example's workflow card with Flowcept's sections, lineage highlights and the error messages", async () => {
    const r = await generateReport({ inputJsonlPath: store });
    expect(r).to.deep.include({ report_type: "workflow_card", format: "md", input_mode: "jsonl", tasks: 138, activities: 8, output: null });
    expect(r.content.split("\n")[0]).to.equal("# Workflow Card: example_pipeline");
    expect(headings(r.content).filter((h) => CARD_SECTIONS.includes(h))).to.deep.equal(CARD_SECTIONS);
    expect(headings(r.content)).to.include.members(["### Interpretation & Insights", "### Per Activity Details Interpretation", "## Aggregation Method", "### Dataflow between activities"]);
    expect(r.content).to.match(/- \*\*execution_id:\*\* `[0-9a-f-]{36}`/);
    expect(r.content).to.contain("| trainStep | {\"FINISHED\":5} |");
    expect(r.content).to.contain("- `lr`: `0.1`");
    expect(r.content).to.match(/\| `validate` \| `[0-9a-f-]+` \| [\d-]+ [\d:]+ \| `loss 1\.000 is too high to validate` \|/);
    expect(r.content).to.match(/\*\*dataflow links:\*\* `\d+` uses/);
    expect(r.content).to.match(/\| `(trainStep|epochs_iteration)` \| `validate` \| \d+ \|/);
    expect(r.content).not.to.contain("| `preprocess` | `normalize` |");
    expect(r.content).to.contain("```mermaid\nflowchart LR");
    expect(r.content).to.contain("### Activity: `normalize`");
    expect(r.content).to.match(/- `value`: presence=100\.0%; type=numeric; min=-?[\d.]+; p50=/);
  });

  it("writes a self-contained HTML report: the card's content and its charts as inline SVG, nothing to fetch", async () => {
    const out = join(dir, "report.html");
    const r = await generateReport({ inputJsonlPath: store, format: "html", outputPath: out });
    expect(r.output).to.equal(out);
    const html = readFileSync(out, "utf8");
    expect(html).to.match(/^<!doctype html>/);
    expect(html).to.contain("<h1>Workflow Card: example_pipeline</h1>");
    for (const h of CARD_SECTIONS) expect(html).to.contain(`>${h.replace(/^#+ /, "")}</h`);
    const figures = [...html.matchAll(/<figure role="img" aria-label="[^"]+" data-figure="([^"]+)"><figcaption>[^<]+<\/figcaption><svg /g)].map((m) => m[1]);
    expect(figures).to.deep.equal(["Timeline of tasks (Gantt)", "Duration distribution per activity", "Lineage between activities"]);
    expect(html).not.to.match(/<script|<link|<img|<iframe|\bsrc=|url\(/i);
    expect(html.match(/https?:\/\/[^"' <)]+/g)?.filter((u) => !u.startsWith("http://www.w3.org/"))).to.deep.equal(["https://example.org/data.csv"]);
    expect(html).to.contain("default-src 'none'");
  });

  it("reports a Python Flowcept buffer file, with its telemetry drawn over time", async () => {
    const PYTHON_STORE = join(dir, "flowcept-1.0.3-offline.jsonl");
    copyFileSync(PYTHON_FIXTURE, PYTHON_STORE);
    const md = await generateReport({ input_jsonl_path: PYTHON_STORE, format: "markdown" });
    expect(md.content.split("\n")[0]).to.equal("# Workflow Card: python_offline");
    expect(md.content).to.contain("| Telemetry Samples (task start/end pairs) |");
    expect(md.content).to.contain("| `fails` | `1796068253.9397814` |");
    expect(md.content).to.contain("`bad x: 1`");
    expect(md.content).to.contain("- **primary_software:** `Flowcept 1.0.3`");
    const html = await generateReport({ input_jsonl_path: PYTHON_STORE, format: "html" });
    expect(html.content).to.contain('data-figure="Telemetry over time"');
    expect(html.content).to.match(/CPU \(% of all cores\)|memory used \(GB\)/);
  });

  it("draws GPU readings over time when the snapshots have them, and telemetry only from tasks that have it", () => {
    const snap = (cpu: number, used: number) => ({ cpu: { percent_all: cpu }, gpu: { gpu_0: { used: used * 1024 ** 2, temperature: 60 + cpu / 10 } } });
    const spec = telemetrySpec([
      { activity_id: "fit", started_at: 1, ended_at: 2, telemetry_at_start: snap(10, 500), telemetry_at_end: snap(90, 1500) },
      { activity_id: "plain", started_at: 1.5, ended_at: 1.6 },
    ]) as { data: { values: { metric: string; value: number; time: number }[] } };
    const metrics = [...new Set(spec.data.values.map((p) => p.metric))];
    expect(metrics).to.deep.equal(["CPU (% of all cores)", "GPU gpu_0 memory used (MB)", "GPU gpu_0 temperature (°C)"]);
    expect(spec.data.values.filter((p) => p.metric === "GPU gpu_0 memory used (MB)").map((p) => [p.time, p.value])).to.deep.equal([
      [0, 500],
      [1000, 1500],
    ]);
    expect(telemetrySpec([{ activity_id: "plain", started_at: 1, ended_at: 2 }])).to.equal(undefined);
  });

  it("takes Flowcept's argument names and input modes, and refuses what it does not make", async () => {
    const out = join(dir, "WORKFLOW_CARD.md");
    const [wf] = await new FlowceptDb({ backend: new LocalQueryBackend({ path: store }) }).workflowQuery({});
    const byPath = await Flowcept.generateReport({ input_jsonl_path: store, output_path: out, workflow_id: String(wf!.workflow_id), report_type: "workflow_card" });
    expect(byPath).to.deep.include({ output: out, workflow_id: wf!.workflow_id, input_mode: "jsonl" });
    expect(readFileSync(out, "utf8")).to.equal(byPath.content);
    const byRecords = await Flowcept.generateReport({ records: Flowcept.readBufferFile(store) });
    expect(byRecords).to.deep.include({ input_mode: "records", tasks: 138 });
    expect(byRecords.content.replace(/generated by .*/, "")).to.equal(byPath.content.replace(/generated by .*/, ""));
    for (const [options, message] of [
      [{ input_jsonl_path: store, report_type: "provenance_report" }, /unsupported report_type "provenance_report"/],
      [{ input_jsonl_path: store, format: "pdf" }, /unsupported format "pdf"/],
      [{ input_jsonl_path: store, campaign_id: "c" }, /campaign reports are not supported/],
      [{ input_jsonl_path: store, records: [] }, /input_jsonl_path or records, not both/],
      [{ records: [] }, /no workflow in the records given/],
      [{ input_jsonl_path: store, output_path: join(dir, "missing", "dir", "card.md") }, /cannot write the report to .*card\.md/],
    ] as const) {
      try {
        await Flowcept.generateReport(options as never);
        expect.fail(`no error for ${JSON.stringify(options)}`);
      } catch (err) {
        expect(err).to.be.instanceOf(ReportError);
        expect((err as Error).message).to.match(message);
      }
    }
  });

  it("escapes hostile activity names and values in both forms", async () => {
    const hostile = join(dir, "hostile.jsonl");
    const evil = '</code><script>alert(1)</script>|`x`';
    writeFileSync(
      hostile,
      [
        { type: "workflow", workflow_id: "w-hostile", name: evil, status: "FINISHED", started_at: 1, ended_at: 2 },
        { type: "task", task_id: "t1", workflow_id: "w-hostile", activity_id: evil, status: "ERROR", started_at: 1, ended_at: 1.5, used: { [evil]: evil }, generated: { out: `${evil}-out` }, stderr: evil },
        { type: "task", task_id: "t2", workflow_id: "w-hostile", activity_id: "next", status: "FINISHED", started_at: 1.6, ended_at: 1.8, used: { inp: `${evil}-out` } },
      ]
        .map((r) => JSON.stringify(r))
        .join("\n") + "\n",
    );
    const html = (await generateReport({ input_jsonl_path: hostile, format: "html" })).content;
    expect(html).not.to.match(/<script/i);
    expect(html).to.contain("&lt;script&gt;alert(1)&lt;/script&gt;");
    const md = (await generateReport({ input_jsonl_path: hostile })).content;
    // Outside code spans and code blocks nothing is HTML.
    const prose = md.replace(/^```[\s\S]*?^```$/gm, "").replace(/(`+)[\s\S]*?\1/g, "");
    expect(prose).not.to.contain("<script");
    expect(md).to.contain("| &lt;/code&gt;&lt;script&gt;alert(1)&lt;/script&gt;\\|`x` | {\"ERROR\":1} |");
    expect(md).to.match(/^# Workflow Card: &lt;\/code&gt;&lt;script&gt;/m);
  });

  it("makes the report from the command line, and names the packages to install when charts cannot be drawn", async () => {
    const out = join(dir, "cli.html");
    const made = await run(process.execPath, [CLI, "report", "--format", "html", "--out", out, "--buffer-path", store], { env });
    expect(made.stdout).to.match(/HTML report of [0-9a-f-]{36} \(138 tasks, 8 activities\) written to .*cli\.html/);
    expect(readFileSync(out, "utf8")).to.contain("<svg");
    const md = await run(process.execPath, [CLI, "report", "--buffer-path", store], { env });
    expect(md.stdout.split("\n")[0]).to.equal("# Workflow Card: example_pipeline");
    const hidden = ["--import", join(CHILDREN, "hide-peers.js")];
    const noCharts = await run(process.execPath, [...hidden, CLI, "report", "--format", "html", "--out", join(dir, "none.html"), "--buffer-path", store], { env }).catch((e: { code: number; stderr: string }) => e);
    expect(noCharts).to.deep.include({ code: 1 });
    expect((noCharts as { stderr: string }).stderr).to.contain('the HTML report (which draws its charts with vega, vega-lite, @dagrejs/dagre) needs the package "vega", which is not installed: npm install vega');
    expect(existsSync(join(dir, "none.html"))).to.equal(false);
    const cardWithout = await run(process.execPath, [...hidden, CLI, "report", "--buffer-path", store], { env });
    expect(cardWithout.stdout).to.contain("## 7. Lineage Highlights");
  });
});
