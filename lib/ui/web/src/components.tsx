/** Small pieces every page uses: charts (loaded on first use), the JSON view, status badges, errors. */
import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { statusColor } from "./format.js";

type Charts = typeof import("./charts.js");
let charts: Promise<Charts> | undefined;

/** A chart drawn by `draw` (a function of the charts module) into a box of its own. */
export function Chart(props: { draw: (c: Charts, el: HTMLElement) => () => void; deps: unknown[]; testId?: string }): preact.JSX.Element {
  const el = useRef<HTMLDivElement>(null);
  const [error, setError] = useState<string>();
  useEffect(() => {
    let dispose: (() => void) | undefined;
    let live = true;
    (charts ??= import("./charts.js"))
      .then((c) => {
        if (live && el.current) dispose = props.draw(c, el.current);
      })
      .catch((e: unknown) => setError(String(e)));
    return () => {
      live = false;
      dispose?.();
    };
  }, props.deps);
  return error ? <Failure message={error} /> : <div class="chart" ref={el} data-testid={props.testId} />;
}

export function Failure(props: { message: string }): preact.JSX.Element {
  return (
    <p class="error" role="alert">
      {props.message}
    </p>
  );
}

export function Status(props: { status: string | undefined }): preact.JSX.Element {
  const s = props.status ?? "UNKNOWN";
  return (
    <span class="status" style={{ background: statusColor(s) }}>
      {s}
    </span>
  );
}

export function Counts(props: { counts: Record<string, number> }): preact.JSX.Element {
  return (
    <span class="counts">
      {Object.entries(props.counts).map(([s, n]) => (
        <span key={s} class="count" style={{ borderColor: statusColor(s) }} title={s}>
          {s.toLowerCase()} {n.toLocaleString()}
        </span>
      ))}
    </span>
  );
}

const LIST_MAX = 200;

/** A JSON value as a tree of disclosure elements: objects and arrays open to `openDepth`, collapsed below. */
export function JsonView(props: { value: unknown; name?: string; depth?: number; openDepth?: number }): preact.JSX.Element {
  const depth = props.depth ?? 0;
  const open = depth < (props.openDepth ?? 2);
  const v = props.value;
  const label = props.name !== undefined ? <span class="json-key">{props.name}: </span> : null;
  if (v === null || typeof v !== "object") {
    return (
      <div class="json-leaf">
        {label}
        <span class={`json-${v === null ? "null" : typeof v}`}>{typeof v === "string" ? JSON.stringify(v) : String(v)}</span>
      </div>
    );
  }
  const entries: [string, unknown][] = Array.isArray(v) ? v.map((x, i) => [String(i), x]) : Object.entries(v as Record<string, unknown>);
  const summary = Array.isArray(v) ? `[${v.length}]` : `{${entries.length}}`;
  return (
    <details class="json" open={open}>
      <summary>
        {label}
        <span class="json-summary">{summary}</span>
      </summary>
      {entries.slice(0, LIST_MAX).map(([k, x]) => (
        <JsonView key={k} name={k} value={x} depth={depth + 1} openDepth={props.openDepth} />
      ))}
      {entries.length > LIST_MAX ? <div class="json-more">… {entries.length - LIST_MAX} more</div> : null}
    </details>
  );
}

/** A `dt`/`dd` pair linking to Jaeger's page of a trace or span, when the server knows Jaeger's address. */
export function JaegerLink(props: { href: string | undefined; term: string }): preact.JSX.Element | null {
  if (!props.href) return null;
  return (
    <>
      <dt>{props.term}</dt>
      <dd>
        <a href={props.href} target="_blank" rel="noreferrer" data-testid="jaeger-link">
          open in Jaeger
        </a>
      </dd>
    </>
  );
}

export function Section(props: { title: string; children: ComponentChildren }): preact.JSX.Element {
  return (
    <section>
      <h2>{props.title}</h2>
      {props.children}
    </section>
  );
}
