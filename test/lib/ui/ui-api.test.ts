/**
 * The UI server's JSON API over a real local store: workflows, the task
 * table (windows, sorting, filters), timeline, statistics, telemetry,
 * graphs, task pages and lineage — and its refusals.
 */
import { expect } from "chai";
import type { GraphData, TaskDetail, TaskPage, Timeline, WorkflowDetail, WorkflowList, TelemetryCharts, ActivityStats } from "../../../lib/ui/api-types.js";
import { httpGet } from "../../support/sse-client.js";
import { startUiFixture, W1, W2, type UiFixture } from "./ui-fixture.js";

describe("UI server: JSON API", () => {
  let ui: UiFixture;
  before(async () => {
    ui = await startUiFixture({ jaegerUrl: "http://jaeger.example:16686/" });
  });
  after(async () => ui.close());

  async function get<T>(path: string): Promise<T> {
    const r = await httpGet(`${ui.base}/api/v1/${path}`);
    expect(r.status, `${path}: ${r.body}`).to.equal(200);
    expect(r.headers["content-type"]).to.match(/^application\/json/);
    return JSON.parse(r.body) as T;
  }

  async function status(path: string, method = "GET"): Promise<[number, string]> {
    const r = await httpGet(`${ui.base}${path}`, {}, method);
    return [r.status, r.body];
  }

  it("lists workflows, latest first, with task counts by status; searches and filters them", async () => {
    const list = await get<WorkflowList>("workflows");
    expect(list.workflows.map((w) => w.workflow_id)).to.deep.equal([W2, W1]);
    const w1 = list.workflows[1]!;
    expect(w1).to.include({ name: "pipeline", status: "FINISHED", campaign_id: "camp-ui", n_tasks: 7 });
    expect(w1.tasks).to.deep.equal({ FINISHED: 6, ERROR: 1 });
    expect(w1.ended_at! - w1.started_at!).to.equal(8);
    expect((await get<WorkflowList>("workflows?search=PIPE")).workflows.map((w) => w.name)).to.deep.equal(["pipeline"]);
    expect((await get<WorkflowList>(`workflows?search=${W2.slice(0, 8)}`)).workflows.map((w) => w.name)).to.deep.equal(["other run"]);
    expect((await get<WorkflowList>("workflows?status=RUNNING")).workflows.map((w) => w.name)).to.deep.equal(["other run"]);
    expect((await get<WorkflowList>("workflows?search=nothing+like+this")).total).to.equal(0);
  });

  it("describes a workflow: record, activities, statuses, hosts, and its trace in Jaeger", async () => {
    const d = await get<WorkflowDetail>(`workflows/${W1}`);
    expect(d.workflow).to.include({ name: "pipeline", user: "ana" });
    expect(d.activities).to.deep.equal(["load", "train", "evaluate", "epochs", "epochs_iteration"]);
    expect(d.statuses.sort()).to.deep.equal(["ERROR", "FINISHED"]);
    expect(d.hostnames).to.deep.equal(["node-a", "node-b"]);
    expect(d.jaeger).to.equal(`http://jaeger.example:16686/trace/${W1.replace(/-/g, "")}`);
  });

  it("answers windows of the task table, sorted and filtered", async () => {
    const ids = async (q: string): Promise<string[]> => (await get<TaskPage>(`workflows/${W1}/tasks?${q}`)).rows.map((r) => r.task_id);
    expect(await ids("")).to.deep.equal(["t-load", "t-train", "t-eval", "t-loop", "t-it0", "t-it1", "t-it2"]);
    const page = await get<TaskPage>(`workflows/${W1}/tasks?offset=2&limit=3`);
    expect(page.total).to.equal(7);
    expect(page.offset).to.equal(2);
    expect(page.rows.map((r) => r.task_id)).to.deep.equal(["t-eval", "t-loop", "t-it0"]);
    expect(page.rows[0]).to.deep.include({ activity_id: "evaluate", status: "ERROR", hostname: "node-a" });
    expect(await ids("sort=duration&order=desc&limit=2")).to.deep.equal(["t-loop", "t-train"]);
    expect(await ids("sort=activity_id")).to.deep.equal(["t-loop", "t-it0", "t-it1", "t-it2", "t-eval", "t-load", "t-train"]);
    expect(await ids("activity=epochs_iteration,load")).to.deep.equal(["t-load", "t-it0", "t-it1", "t-it2"]);
    expect(await ids("status=ERROR")).to.deep.equal(["t-eval"]);
    expect(await ids("hostname=node-b")).to.deep.equal(["t-it2"]);
    expect(await ids(`from=${1_800_000_000 + 3}&to=${1_800_000_000 + 5}`)).to.deep.equal(["t-eval", "t-loop", "t-it0", "t-it1"]);
    // text in what tasks used or generated
    expect(await ids("q=weights.bin")).to.deep.equal(["t-train", "t-eval"]);
    expect(await ids("q=RAW.CSV&activity=train")).to.deep.equal(["t-train"]);
    expect((await get<TaskPage>(`workflows/${W1}/tasks?q=no-such-text`)).total).to.equal(0);
  });

  it("draws the timeline, per-activity statistics and telemetry series", async () => {
    const t = await get<Timeline>(`workflows/${W1}/timeline`);
    expect(t.total).to.equal(7);
    expect(t.bars[0]).to.deep.equal({ task_id: "t-load", activity_id: "load", status: "FINISHED", start: 1_800_000_000, end: 1_800_000_001 });
    expect((await get<Timeline>(`workflows/${W1}/timeline?from=${1_800_000_000 + 4}`)).bars.map((b) => b.task_id)).to.deep.equal(["t-loop", "t-it0", "t-it1", "t-it2"]);
    const { activities } = await get<{ activities: ActivityStats[] }>(`workflows/${W1}/stats`);
    const it = activities.find((a) => a.activity_id === "epochs_iteration")!;
    expect(it.n_tasks).to.equal(3);
    expect(it.duration).to.deep.include({ min: 1, median: 1, max: 1, mean: 1 });
    expect(activities.find((a) => a.activity_id === "evaluate")!.status_counts).to.deep.equal({ ERROR: 1 });
    const tel = await get<TelemetryCharts>(`workflows/${W1}/telemetry`);
    const cpu = tel.series.find((s) => s.metric.startsWith("CPU"))!;
    expect(cpu.points).to.deep.equal([
      [1_800_000_001, 10],
      [1_800_000_003, 90],
    ]);
    expect(tel.series.find((s) => s.metric.startsWith("memory"))!.points.map(([, v]) => v)).to.deep.equal([2, 3]);
    expect(tel.withTelemetry).to.equal(1);
  });

  it("draws the task graph (parent, loop) and the dataflow graph (values between tasks) from the lineage", async () => {
    const control = await get<GraphData>(`workflows/${W1}/graph?kind=control`);
    expect(control.level).to.equal("task");
    expect(control.edges.map((e) => `${e.source}>${e.target}`).sort()).to.include.members(["task:t-loop>task:t-it0", "task:t-loop>task:t-it1", "task:t-loop>task:t-it2"]);
    expect(control.note).to.match(/3 task\(s\) linked to no other are not shown/);
    const data = await get<GraphData>(`workflows/${W1}/graph?kind=dataflow`);
    const flows = data.edges.map((e) => `${e.kind}:${e.source.split(":")[0]}>${e.target.split(":")[0]}:${e.label ?? ""}`);
    expect(flows).to.include.members(["generated:task>value:path", "used:value>task:path", "generated:task>value:model", "used:value>task:model"]);
    const tasks = data.nodes.filter((n) => n.kind === "task").map((n) => n.task_id).sort();
    expect(tasks).to.deep.equal(["t-eval", "t-load", "t-train"]);
  });

  it("opens a task: the whole record, parent and children, and the Jaeger link of its span", async () => {
    const d = await get<TaskDetail>("tasks/t-it1");
    expect(d.task).to.deep.include({ task_id: "t-it1", activity_id: "epochs_iteration", used: { epoch: 1 }, generated: { loss: 1 / 3 } });
    expect(d.parent?.task_id).to.equal("t-loop");
    const loop = await get<TaskDetail>("tasks/t-loop");
    expect(loop.children.map((c) => c.task_id)).to.deep.equal(["t-it0", "t-it1", "t-it2"]);
    const err = await get<TaskDetail>("tasks/t-eval");
    expect(err.task.stderr).to.equal("accuracy check failed: 0.42 < 0.9");
    expect(err.jaeger).to.equal(`http://jaeger.example:16686/trace/${W1.replace(/-/g, "")}`);
  });

  it("walks a task's lineage up and down", async () => {
    const up = await get<GraphData>("tasks/t-eval/lineage?direction=upstream&depth=5");
    expect(up.nodes.filter((n) => n.kind === "task").map((n) => n.task_id).sort()).to.deep.equal(["t-eval", "t-load", "t-train"]);
    expect(up.nodes.find((n) => n.task_id === "t-eval")!.start).to.equal(true);
    const down = await get<GraphData>("tasks/t-load/lineage?direction=downstream&depth=1");
    expect(down.nodes.filter((n) => n.kind === "task").map((n) => n.task_id).sort()).to.deep.equal(["t-load", "t-train"]);
  });

  it("refuses what it cannot answer, with the reason", async () => {
    const cases: [string, number, RegExp][] = [
      [`/api/v1/workflows/no-such`, 404, /no workflow "no-such"/],
      [`/api/v1/tasks/no-such`, 404, /no task "no-such"/],
      [`/api/v1/tasks/no-such/lineage`, 404, /no task/],
      [`/api/v1/workflows/${W1}/tasks?sort=password`, 400, /sort must be one of/],
      [`/api/v1/workflows/${W1}/tasks?offset=-1`, 400, /offset must be a non-negative integer/],
      [`/api/v1/workflows/${W1}/tasks?from=soon`, 400, /from must be a number/],
      [`/api/v1/tasks/t-eval/lineage?direction=sideways`, 400, /direction must be/],
      [`/api/v1/workflows/%E0%A4%A/tasks`, 400, /malformed path/],
      [`/api/v1/workflows/${"x".repeat(600)}`, 400, /id too long/],
      [`/api/v1/nothing`, 404, /no such endpoint/],
      [`/api/v1/workflows/${W1}/tasks/extra/more`, 404, /no such endpoint/],
      [`/api/v1/../../etc/passwd`, 404, /not found|no such endpoint/],
      [`/assets/../../package.json`, 404, /not found/],
      [`/api/v1/stream/everything`, 404, /no such stream/],
    ];
    for (const [path, code, why] of cases) {
      const [s, body] = await status(path);
      expect(s, path).to.equal(code);
      expect(JSON.parse(body).error, path).to.match(why);
    }
    for (const method of ["POST", "PUT", "DELETE", "PATCH"]) {
      const [s, body] = await status(`/api/v1/workflows`, method);
      expect(s).to.equal(405);
      expect(body).to.match(/read-only/);
    }
  });

  it("pages a limit at most 1000 rows at a time", async () => {
    const page = await get<TaskPage>(`workflows/${W1}/tasks?limit=1000000`);
    expect(page.rows).to.have.length(7);
    expect((await get<WorkflowList>("workflows?limit=1")).workflows).to.have.length(1);
  });

  it("answers the status of the store it follows", async () => {
    const s = await get<Record<string, unknown>>("status");
    expect(s).to.include({ store: ui.store, mode: "local store (incremental reads)", loaded: true, workflows: 2 });
    expect(W2).to.be.a("string");
  });
});
