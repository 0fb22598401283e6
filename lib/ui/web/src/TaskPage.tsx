/** A task: status, times, error, what it used and generated, telemetry, parent and children, and its lineage up and down. */
import { useEffect, useState } from "preact/hooks";
import type { GraphData, TaskDetail, TaskRow } from "../../api-types.js";
import { enc, getJson, useLive } from "./api.js";
import { Failure, JaegerLink, JsonView, Section, Status } from "./components.js";
import { between, duration, shortId, when } from "./format.js";
import { href } from "./router.js";
import { GraphView } from "./WorkflowPage.js";

function num(v: unknown): number | undefined {
  return typeof v === "number" ? v : undefined;
}

function TaskLink(props: { row: TaskRow }): preact.JSX.Element {
  const r = props.row;
  return (
    <a href={href(["tasks", r.task_id])} data-testid="task-link">
      {r.activity_id ?? "task"} <span class="muted small">{shortId(r.task_id)}</span> <Status status={r.status} />
    </a>
  );
}

export function TaskPage(props: { id: string; lineage: string }): preact.JSX.Element {
  const { id } = props;
  const [detail, setDetail] = useState<TaskDetail>();
  const [error, setError] = useState<string>();
  const [tick, setTick] = useState(0);
  useEffect(() => {
    getJson<TaskDetail>(`tasks/${enc(id)}`)
      .then((d) => {
        setDetail(d);
        setError(undefined);
      })
      .catch((e: unknown) => setError(String((e as Error).message ?? e)));
  }, [id, tick]);
  const wfId = typeof detail?.task.workflow_id === "string" ? detail.task.workflow_id : undefined;
  useLive(wfId ? `stream/tasks?workflow_id=${enc(wfId)}` : undefined, () => setTick((x) => x + 1), 1000);

  if (error) return <Failure message={error} />;
  if (!detail) return <p class="muted">loading…</p>;
  const t = detail.task;
  const started = num(t.started_at);
  const ended = num(t.ended_at);
  const err = t.status === "ERROR" || t.stderr !== undefined ? t.stderr : undefined;
  return (
    <main>
      <p class="crumbs">
        <a href="#/">Workflows</a> / {wfId ? <a href={href(["workflows", wfId])}>workflow</a> : null} /
      </p>
      <h1 data-testid="task-title">
        {String(t.activity_id ?? "task")} <Status status={t.status as string | undefined} />
      </h1>
      <dl class="facts">
        <dt>task id</dt>
        <dd>{String(t.task_id)}</dd>
        <dt>started</dt>
        <dd>{when(started)}</dd>
        <dt>ended</dt>
        <dd>{when(ended)}</dd>
        <dt>duration</dt>
        <dd>{duration(between(started, ended))}</dd>
        {t.hostname ? (
          <>
            <dt>host</dt>
            <dd>{String(t.hostname)}</dd>
          </>
        ) : null}
        {t.subtype ? (
          <>
            <dt>subtype</dt>
            <dd>{String(t.subtype)}</dd>
          </>
        ) : null}
        <JaegerLink href={detail.jaeger} term="span" />
      </dl>
      {err !== undefined ? (
        <Section title="Error">
          <pre class="stderr" data-testid="task-error">
            {typeof err === "string" ? err : JSON.stringify(err, null, 2)}
          </pre>
        </Section>
      ) : null}
      <div class="columns">
        <Section title="Used">
          <JsonView value={t.used ?? {}} />
        </Section>
        <Section title="Generated">
          <JsonView value={t.generated ?? {}} />
        </Section>
      </div>
      <Section title="Parent and children">
        <p>parent: {detail.parent ? <TaskLink row={detail.parent} /> : t.parent_task_id ? String(t.parent_task_id) : "none"}</p>
        {detail.children.length ? (
          <ul class="children">
            {detail.children.map((c) => (
              <li key={c.task_id}>
                <TaskLink row={c} />
              </li>
            ))}
            {detail.more_children ? <li class="muted">… {detail.more_children} more</li> : null}
          </ul>
        ) : (
          <p class="muted">no children</p>
        )}
      </Section>
      <Lineage id={id} direction={props.lineage} />
      {t.telemetry_at_start !== undefined || t.telemetry_at_end !== undefined ? (
        <div class="columns">
          <Section title="Telemetry at start">
            <JsonView value={t.telemetry_at_start ?? {}} openDepth={1} />
          </Section>
          <Section title="Telemetry at end">
            <JsonView value={t.telemetry_at_end ?? {}} openDepth={1} />
          </Section>
        </div>
      ) : null}
      <Section title="Whole record">
        <JsonView value={t} openDepth={0} name="record" />
      </Section>
    </main>
  );
}

const DIRECTIONS: [string, string][] = [
  ["upstream", "Upstream"],
  ["downstream", "Downstream"],
  ["both", "Both"],
];

function Lineage(props: { id: string; direction: string }): preact.JSX.Element {
  const direction = DIRECTIONS.some(([d]) => d === props.direction) ? props.direction : "upstream";
  const [depth, setDepth] = useState(2);
  const [graph, setGraph] = useState<GraphData>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    setGraph(undefined);
    getJson<GraphData>(`tasks/${enc(props.id)}/lineage`, { direction, depth })
      .then((g) => {
        setGraph(g);
        setError(undefined);
      })
      .catch((e: unknown) => setError(String((e as Error).message ?? e)));
  }, [props.id, direction, depth]);
  return (
    <Section title="Lineage">
      <div class="filters">
        {DIRECTIONS.map(([d, label]) => (
          <a key={d} class={`button${d === direction ? " active" : ""}`} href={href(["tasks", props.id], { lineage: d })} data-testid={`lineage-${d}`}>
            {label}
          </a>
        ))}
        <label>
          depth{" "}
          <select value={depth} onChange={(e) => setDepth(Number((e.target as HTMLSelectElement).value))}>
            {[1, 2, 3, 5, 10].map((d) => (
              <option key={d} value={d}>
                {d}
              </option>
            ))}
          </select>
        </label>
      </div>
      {error ? <Failure message={error} /> : null}
      {graph ? graph.nodes.length > 1 ? <GraphView graph={graph} testId="lineage-graph" /> : <p class="muted">No {direction === "both" ? "" : direction} lineage.</p> : !error ? <p class="muted">walking…</p> : null}
    </Section>
  );
}
