/** The web front end of `flowcept-otel ui`: one page, addressed by the location's hash. */
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { getJson } from "./api.js";
import { useRoute } from "./router.js";
import { TaskPage } from "./TaskPage.js";
import { WorkflowPage } from "./WorkflowPage.js";
import { WorkflowsPage } from "./WorkflowsPage.js";
import "./style.css";

interface ServerStatus {
  store: string;
  mode: string;
  loaded: boolean;
  progress: number;
  error?: string;
}

function Header(): preact.JSX.Element {
  const [status, setStatus] = useState<ServerStatus>();
  useEffect(() => {
    let timer: number | undefined;
    const poll = (): void => {
      getJson<ServerStatus>("status")
        .then((s) => {
          setStatus(s);
          if (!s.loaded && !s.error) timer = window.setTimeout(poll, 500);
        })
        .catch(() => undefined);
    };
    poll();
    return () => window.clearTimeout(timer);
  }, []);
  return (
    <header>
      <a class="brand" href="#/">
        flowcept-otel
      </a>
      <span class="muted small" data-testid="store">
        {status ? `${status.store} · ${status.mode}${status.loaded ? "" : ` · reading ${Math.round(status.progress * 100)} %`}` : ""}
      </span>
      {status?.error ? <span class="error small">{status.error}</span> : null}
    </header>
  );
}

function App(): preact.JSX.Element {
  const route = useRoute();
  const [what, id] = route.parts;
  let page: preact.JSX.Element;
  if (what === "workflows" && id) page = <WorkflowPage key={id} id={id} tab={route.query.get("tab") ?? "tasks"} />;
  else if (what === "tasks" && id) page = <TaskPage key={id} id={id} lineage={route.query.get("lineage") ?? "upstream"} />;
  else page = <WorkflowsPage />;
  return (
    <>
      <Header />
      {page}
    </>
  );
}

render(<App />, document.getElementById("app")!);
