/** A workflow: summary, then its task table, task graph, dataflow graph, timeline, telemetry and statistics — live while it runs. */
import { useCallback, useEffect, useState } from "preact/hooks";
import type { ActivityStats, GraphData, TelemetryCharts, Timeline, WorkflowDetail } from "../../api-types.js";
import { enc, getJson, useLive } from "./api.js";
import { Chart, Counts, Failure, JaegerLink, JsonView, Status } from "./components.js";
import { between, duration, when } from "./format.js";
import { href } from "./router.js";
import { TaskTableView } from "./TaskTableView.js";

const TABS: [string, string][] = [
  ["tasks", "Tasks"],
  ["graph", "Task graph"],
  ["dataflow", "Dataflow"],
  ["timeline", "Timeline"],
  ["telemetry", "Telemetry"],
  ["stats", "Statistics"],
];

function openTask(id: string): void {
  location.hash = href(["tasks", id]);
}

/** Fetches `path` again whenever `version` changes. */
function useData<T>(path: string, version: number): { data?: T; error?: string } {
  const [state, setState] = useState<{ data?: T; error?: string }>({});
  useEffect(() => {
    const ctl = new AbortController();
    getJson<T>(path, {}, ctl.signal)
      .then((data) => setState({ data }))
      .catch((e: unknown) => ctl.signal.aborted || setState({ error: String((e as Error).message ?? e) }));
    return () => ctl.abort();
  }, [path, version]);
  return state;
}

export function WorkflowPage(props: { id: string; tab: string }): preact.JSX.Element {
  const { id } = props;
  const tab = TABS.some(([t]) => t === props.tab) ? props.tab : "tasks";
  const [version, setVersion] = useState(0);
  const [detail, setDetail] = useState<WorkflowDetail>();
  const [error, setError] = useState<string>();
  const load = useCallback(() => {
    getJson<WorkflowDetail>(`workflows/${enc(id)}`)
      .then((d) => {
        setDetail(d);
        setError(undefined);
        setVersion(d.version);
      })
      .catch((e: unknown) => setError(String((e as Error).message ?? e)));
  }, [id]);
  useEffect(load, [load]);
  useLive(`stream/tasks?workflow_id=${enc(id)}`, load);
  useLive(`stream/workflows?workflow_id=${enc(id)}`, load);

  if (error && !detail) return <Failure message={error} />;
  if (!detail) return <p class="muted">loading…</p>;
  const w = detail.row;
  const start = w.started_at ?? w.first_task_at;
  const end = w.ended_at ?? (w.status === "RUNNING" ? undefined : w.last_task_at);
  return (
    <main>
      <p class="crumbs">
        <a href="#/">Workflows</a> /
      </p>
      <h1>
        {w.name ?? "workflow"} <Status status={w.status} />
      </h1>
      <dl class="facts">
        <dt>id</dt>
        <dd>{w.workflow_id}</dd>
        {w.campaign_id ? (
          <>
            <dt>campaign</dt>
            <dd>{w.campaign_id}</dd>
          </>
        ) : null}
        <dt>started</dt>
        <dd>{when(start)}</dd>
        <dt>ended</dt>
        <dd>{when(end) || (w.status === "RUNNING" ? "running" : "")}</dd>
        <dt>duration</dt>
        <dd>{duration(between(start, end))}</dd>
        <dt>tasks</dt>
        <dd data-testid="workflow-task-count">
          {w.n_tasks.toLocaleString()} <Counts counts={w.tasks} />
        </dd>
        <JaegerLink href={detail.jaeger} term="trace" />
      </dl>
      {detail.workflow ? <JsonView name="workflow record" value={detail.workflow} openDepth={0} /> : null}
      <nav class="tabs">
        {TABS.map(([t, label]) => (
          <a key={t} href={href(["workflows", id], { tab: t === "tasks" ? undefined : t })} class={t === tab ? "active" : ""} data-testid={`tab-${t}`}>
            {label}
          </a>
        ))}
      </nav>
      {tab === "tasks" ? <TaskTableView detail={detail} version={version} onOpen={openTask} /> : null}
      {tab === "graph" ? <GraphTab path={`workflows/${enc(id)}/graph?kind=control`} version={version} testId="task-graph" /> : null}
      {tab === "dataflow" ? <GraphTab path={`workflows/${enc(id)}/graph?kind=dataflow`} version={version} testId="dataflow-graph" /> : null}
      {tab === "timeline" ? <TimelineTab id={id} version={version} /> : null}
      {tab === "telemetry" ? <TelemetryTab id={id} version={version} /> : null}
      {tab === "stats" ? <StatsTab id={id} version={version} /> : null}
    </main>
  );
}

export function GraphView(props: { graph: GraphData; testId: string }): preact.JSX.Element {
  const g = props.graph;
  const tasks = g.nodes.filter((n) => n.task_id);
  return (
    <div>
      {g.note ? <p class="muted">{g.note}</p> : null}
      {g.nodes.length ? <Chart testId={props.testId} deps={[g]} draw={(c, el) => c.drawGraph(el, g, openTask)} /> : null}
      {g.nodes.length ? (
        <p class="muted small">
          {g.level === "activity" ? "One mark per activity (×tasks); numbers on links count them." : "Solid: dataflow (task → value it generated → task that used it); dashed: parent task and loop. Click a task to open it."} Drag to pan, scroll to zoom.
        </p>
      ) : null}
      {tasks.length ? (
        <details class="graph-tasks">
          <summary>{tasks.length} task(s) in this graph</summary>
          <ul data-testid={`${props.testId}-tasks`}>
            {tasks.map((n) => (
              <li key={n.id}>
                <a href={href(["tasks", n.task_id!])}>{n.label}</a> {n.status ? <Status status={n.status} /> : null} {n.start ? <span class="muted small">(start)</span> : null}
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </div>
  );
}

function GraphTab(props: { path: string; version: number; testId: string }): preact.JSX.Element {
  const { data, error } = useData<GraphData>(props.path, props.version);
  if (error) return <Failure message={error} />;
  if (!data) return <p class="muted">laying out…</p>;
  return <GraphView graph={data} testId={props.testId} />;
}

function TimelineTab(props: { id: string; version: number }): preact.JSX.Element {
  const { data, error } = useData<Timeline>(`workflows/${enc(props.id)}/timeline`, props.version);
  if (error) return <Failure message={error} />;
  if (!data) return <p class="muted">loading…</p>;
  if (!data.bars.length) return <p class="muted">No task has a start time.</p>;
  return (
    <div>
      <p class="muted small">
        {data.bars.length < data.total ? `The first ${data.bars.length.toLocaleString()} of ${data.total.toLocaleString()} tasks by start time. ` : ""}One row per task, coloured by status; drag the sliders or scroll to zoom, click a bar to open its task.
      </p>
      <Chart testId="gantt" deps={[data]} draw={(c, el) => c.drawGantt(el, data, openTask)} />
    </div>
  );
}

function TelemetryTab(props: { id: string; version: number }): preact.JSX.Element {
  const { data, error } = useData<TelemetryCharts>(`workflows/${enc(props.id)}/telemetry`, props.version);
  if (error) return <Failure message={error} />;
  if (!data) return <p class="muted">loading…</p>;
  if (!data.series.length) return <p class="muted">No task of this workflow recorded telemetry (settings: telemetry_capture).</p>;
  return (
    <div data-testid="telemetry">
      <p class="muted small">
        Readings at each task's start and end{data.sampled < data.withTelemetry ? `, from ${data.sampled.toLocaleString()} of the ${data.withTelemetry.toLocaleString()} tasks that have them` : ""}.
      </p>
      {data.series.map((s) => (
        <div key={s.metric}>
          <h3>{s.metric}</h3>
          <Chart testId="telemetry-chart" deps={[s]} draw={(c, el) => c.drawTelemetry(el, s)} />
        </div>
      ))}
    </div>
  );
}

function StatsTab(props: { id: string; version: number }): preact.JSX.Element {
  const { data, error } = useData<{ activities: ActivityStats[] }>(`workflows/${enc(props.id)}/stats`, props.version);
  if (error) return <Failure message={error} />;
  if (!data) return <p class="muted">loading…</p>;
  const rows = data.activities;
  return (
    <div>
      <table class="stats" data-testid="activity-stats">
        <thead>
          <tr>
            <th>activity</th>
            <th>tasks</th>
            <th>by status</th>
            <th>min</th>
            <th>median</th>
            <th>mean</th>
            <th>p95</th>
            <th>max</th>
            <th>first start</th>
            <th>last end</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((a) => (
            <tr key={a.activity_id}>
              <td>{a.activity_id}</td>
              <td>{a.n_tasks.toLocaleString()}</td>
              <td>
                <Counts counts={a.status_counts} />
              </td>
              <td>{duration(a.duration?.min)}</td>
              <td>{duration(a.duration?.median)}</td>
              <td>{duration(a.duration?.mean)}</td>
              <td>{duration(a.duration?.p95)}</td>
              <td>{duration(a.duration?.max)}</td>
              <td>{when(a.started_at_min)}</td>
              <td>{when(a.ended_at_max)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {rows.some((r) => r.duration) ? <Chart testId="durations" deps={[data]} draw={(c, el) => c.drawDurations(el, rows)} /> : null}
    </div>
  );
}
