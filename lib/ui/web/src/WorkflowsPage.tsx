/** The workflows of the store: search, filter by status, live. */
import { useEffect, useState } from "preact/hooks";
import type { WorkflowList, WorkflowRow } from "../../api-types.js";
import { getJson, useLive } from "./api.js";
import { Counts, Failure, Status } from "./components.js";
import { between, duration, shortId, when } from "./format.js";
import { href } from "./router.js";

const STATUSES = ["RUNNING", "FINISHED", "ERROR", "SUBMITTED", "WAITING", "UNKNOWN"];

export function WorkflowsPage(): preact.JSX.Element {
  const [search, setSearch] = useState("");
  const [status, setStatus] = useState("");
  const [list, setList] = useState<WorkflowList>();
  const [error, setError] = useState<string>();
  const [tick, setTick] = useState(0);

  useEffect(() => {
    const ctl = new AbortController();
    const t = setTimeout(() => {
      getJson<WorkflowList>("workflows", { search, status }, ctl.signal)
        .then((l) => {
          setList(l);
          setError(undefined);
        })
        .catch((e: unknown) => ctl.signal.aborted || setError(String((e as Error).message ?? e)));
    }, 150);
    return () => {
      clearTimeout(t);
      ctl.abort();
    };
  }, [search, status, tick]);
  useLive("stream/workflows", () => setTick((x) => x + 1), 800);
  useLive("stream/tasks", () => setTick((x) => x + 1), 1500);

  return (
    <main>
      <h1>Workflows</h1>
      <div class="filters">
        <input type="search" placeholder="search name, id, campaign" aria-label="search workflows" data-testid="workflow-search" value={search} onInput={(e) => setSearch((e.target as HTMLInputElement).value)} />
        <select aria-label="status" value={status} onChange={(e) => setStatus((e.target as HTMLSelectElement).value)}>
          <option value="">all statuses</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
        {list ? <span class="total">{list.total.toLocaleString()} workflow(s)</span> : null}
      </div>
      {error ? <Failure message={error} /> : null}
      <table class="workflows" data-testid="workflows">
        <thead>
          <tr>
            <th>name</th>
            <th>status</th>
            <th>started</th>
            <th>ended</th>
            <th>duration</th>
            <th>tasks</th>
            <th>campaign</th>
          </tr>
        </thead>
        <tbody>
          {list?.workflows.map((w) => <WorkflowLine key={w.workflow_id} w={w} />)}
        </tbody>
      </table>
      {list && !list.workflows.length ? <p class="muted">No workflow{search || status ? " matches" : " in this store yet"}.</p> : null}
    </main>
  );
}

function WorkflowLine(props: { w: WorkflowRow }): preact.JSX.Element {
  const w = props.w;
  const start = w.started_at ?? w.first_task_at;
  const end = w.ended_at ?? (w.status === "RUNNING" ? undefined : w.last_task_at);
  return (
    <tr data-testid="workflow-row" data-workflow-id={w.workflow_id}>
      <td>
        <a href={href(["workflows", w.workflow_id])}>{w.name ?? shortId(w.workflow_id)}</a>
        <div class="muted small">{w.workflow_id}</div>
      </td>
      <td>
        <Status status={w.status} />
      </td>
      <td>{when(start)}</td>
      <td>{when(end)}</td>
      <td>{duration(between(start, end))}</td>
      <td>
        {w.n_tasks.toLocaleString()} <Counts counts={w.tasks} />
      </td>
      <td class="muted small">{w.campaign_id ? shortId(w.campaign_id) : ""}</td>
    </tr>
  );
}
