/**
 * The task table of a workflow: filters and sortable columns, rows fetched
 * a page at a time as they scroll into view and drawn only while visible
 * (TanStack Virtual), so a workflow of a million tasks scrolls as one of
 * ten.
 */
import { elementScroll, observeElementOffset, observeElementRect, Virtualizer } from "@tanstack/virtual-core";
import { useEffect, useLayoutEffect, useMemo, useReducer, useRef, useState } from "preact/hooks";
import type { TaskPage, TaskRow, WorkflowDetail } from "../../api-types.js";
import { enc, getJson } from "./api.js";
import { Failure, Status } from "./components.js";
import { between, duration, shortId } from "./format.js";

const ROW_HEIGHT = 28;
const PAGE = 200;

type SortKey = "started_at" | "ended_at" | "duration" | "activity_id" | "status" | "task_id" | "hostname";

interface Filters {
  activity: string;
  status: string;
  hostname: string;
  q: string;
  from: string;
  to: string;
  sort: SortKey;
  desc: boolean;
}

const COLUMNS: [SortKey | undefined, string, string][] = [
  [undefined, "#", "col-n"],
  ["activity_id", "activity", "col-activity"],
  ["status", "status", "col-status"],
  ["started_at", "started (s)", "col-time"],
  ["duration", "duration", "col-time"],
  ["hostname", "host", "col-host"],
  ["task_id", "task id", "col-id"],
];

function useVirtualizer(count: number, scroller: { current: HTMLElement | null }): Virtualizer<HTMLElement, Element> {
  const [, rerender] = useReducer((x: number) => x + 1, 0);
  const options = {
    count,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 15,
    observeElementRect,
    observeElementOffset,
    scrollToFn: elementScroll,
    onChange: () => rerender(undefined as never),
  };
  const [v] = useState(() => new Virtualizer<HTMLElement, Element>(options));
  v.setOptions(options);
  useLayoutEffect(() => v._didMount(), []);
  useLayoutEffect(() => v._willUpdate());
  return v;
}

export function TaskTableView(props: { detail: WorkflowDetail; version: number; onOpen: (taskId: string) => void }): preact.JSX.Element {
  const { detail } = props;
  const wf = detail.row.workflow_id;
  const t0 = detail.row.first_task_at ?? detail.row.started_at ?? 0;
  const [f, setF] = useState<Filters>({ activity: "", status: "", hostname: "", q: "", from: "", to: "", sort: "started_at", desc: false });
  const [q, setQ] = useState("");
  const [total, setTotal] = useState<number | undefined>();
  const [error, setError] = useState<string>();
  const pages = useRef(new Map<number, TaskRow[]>());
  const loading = useRef(new Set<number>());
  const [, bump] = useReducer((x: number) => x + 1, 0);
  const scroller = useRef<HTMLDivElement>(null);
  const started = useRef(performance.now());

  useEffect(() => {
    const t = setTimeout(() => setF((old) => ({ ...old, q })), 300);
    return () => clearTimeout(t);
  }, [q]);

  const params = useMemo(() => {
    const sec = (s: string): number | undefined => (s.trim() === "" || !Number.isFinite(Number(s)) ? undefined : t0 + Number(s));
    return { activity: f.activity, status: f.status, hostname: f.hostname, q: f.q, from: sec(f.from), to: sec(f.to), sort: f.sort, order: f.desc ? "desc" : "asc" };
  }, [f, t0]);
  const key = JSON.stringify(params);

  const fetchPage = (page: number, generation: string): void => {
    if (loading.current.has(page)) return;
    loading.current.add(page);
    getJson<TaskPage>(`workflows/${enc(wf)}/tasks`, { ...params, offset: page * PAGE, limit: PAGE })
      .then((r) => {
        if (generation !== keyRef.current) return;
        pages.current.set(page, r.rows);
        setTotal(r.total);
        setError(undefined);
        bump(undefined as never);
      })
      .catch((e: unknown) => setError(String((e as Error).message ?? e)))
      .finally(() => loading.current.delete(page));
  };
  const keyRef = useRef(key);

  // New filters or order: start again from the first page.
  useEffect(() => {
    keyRef.current = key;
    pages.current.clear();
    loading.current.clear();
    setTotal(undefined);
    scroller.current?.scrollTo({ top: 0 });
    fetchPage(0, key);
  }, [key]);

  // The workflow changed (live): the pages on screen are fetched again.
  useEffect(() => {
    if (props.version === 0) return;
    const shown = [...pages.current.keys()];
    pages.current.clear();
    loading.current.clear();
    for (const p of shown.length ? shown : [0]) fetchPage(p, keyRef.current);
  }, [props.version]);

  const v = useVirtualizer(total ?? 0, scroller);
  const items = v.getVirtualItems();
  for (const it of items) {
    const page = Math.floor(it.index / PAGE);
    if (!pages.current.has(page)) fetchPage(page, key);
  }

  useEffect(() => {
    if (total !== undefined && !document.body.dataset.tableShownAt) {
      document.body.dataset.tableShownAt = String(Math.round(performance.now() - started.current));
    }
  }, [total]);

  const sortBy = (k: SortKey | undefined): void => {
    if (k) setF((old) => ({ ...old, sort: k, desc: old.sort === k ? !old.desc : false }));
  };
  const set = (k: keyof Filters) => (e: Event) => setF((old) => ({ ...old, [k]: (e.target as HTMLInputElement).value }));

  return (
    <div class="task-table" data-testid="task-table">
      <div class="filters">
        <select aria-label="activity" data-testid="filter-activity" value={f.activity} onChange={set("activity")}>
          <option value="">all activities</option>
          {detail.activities.map((a) => (
            <option key={a} value={a}>
              {a}
            </option>
          ))}
        </select>
        <select aria-label="status" data-testid="filter-status" value={f.status} onChange={set("status")}>
          <option value="">all statuses</option>
          {detail.statuses.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
        {detail.hostnames.length > 1 ? (
          <select aria-label="host" value={f.hostname} onChange={set("hostname")}>
            <option value="">all hosts</option>
            {detail.hostnames.map((h) => (
              <option key={h} value={h}>
                {h}
              </option>
            ))}
          </select>
        ) : null}
        <input type="search" placeholder="text in used / generated" aria-label="text in used or generated" data-testid="filter-text" value={q} onInput={(e) => setQ((e.target as HTMLInputElement).value)} />
        <label>
          from <input class="num" type="number" step="any" placeholder="s" aria-label="started from (seconds)" value={f.from} onChange={set("from")} />
        </label>
        <label>
          to <input class="num" type="number" step="any" placeholder="s" aria-label="started until (seconds)" value={f.to} onChange={set("to")} />
        </label>
        <span class="total" data-testid="task-total">
          {total === undefined ? "…" : `${total.toLocaleString()} of ${detail.row.n_tasks.toLocaleString()} tasks`}
        </span>
      </div>
      {error ? <Failure message={error} /> : null}
      <div class="thead row">
        {COLUMNS.map(([k, label, cls]) => (
          <span key={label} class={`${cls}${k ? " sortable" : ""}`} onClick={() => sortBy(k)} aria-sort={k && f.sort === k ? (f.desc ? "descending" : "ascending") : undefined}>
            {label}
            {k && f.sort === k ? (f.desc ? " ▼" : " ▲") : ""}
          </span>
        ))}
      </div>
      <div class="scroller" ref={scroller} data-testid="task-scroller">
        <div style={{ height: `${v.getTotalSize()}px`, position: "relative" }}>
          {items.map((it) => {
            const r = pages.current.get(Math.floor(it.index / PAGE))?.[it.index % PAGE];
            return (
              <div
                key={it.key}
                class={`row${r ? " link" : ""}`}
                data-testid={r ? "task-row" : undefined}
                data-task-id={r?.task_id}
                style={{ position: "absolute", top: 0, left: 0, right: 0, height: `${ROW_HEIGHT}px`, transform: `translateY(${it.start}px)` }}
                onClick={() => r && props.onOpen(r.task_id)}
              >
                <span class="col-n">{it.index + 1}</span>
                {r ? (
                  <>
                    <span class="col-activity">{r.activity_id ?? ""}</span>
                    <span class="col-status">
                      <Status status={r.status} />
                    </span>
                    <span class="col-time">{r.started_at !== undefined ? (r.started_at - t0).toFixed(3) : ""}</span>
                    <span class="col-time">{duration(between(r.started_at, r.ended_at))}</span>
                    <span class="col-host">{r.hostname ?? ""}</span>
                    <span class="col-id" title={r.task_id}>
                      {shortId(r.task_id)}
                    </span>
                  </>
                ) : (
                  <span class="col-activity muted">loading…</span>
                )}
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
