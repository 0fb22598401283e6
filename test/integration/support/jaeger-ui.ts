/**
 * Opens a trace in Jaeger's UI with headless Chromium (Debian's, driven by
 * playwright-core: no browser download).
 *
 * A Jaeger built from its Go module has no UI assets (the module ships an
 * empty `cmd/query/app/ui/actual`; Jaeger's release build adds the compiled
 * jaeger-ui there), and its query service then serves a placeholder page on
 * every UI route. On that page the test still uses the browser against
 * Jaeger: it fetches the trace from the same origin, through `/api/traces/{id}`
 * (the query API the real UI draws from), and draws the spans as a timeline
 * (names indented by nesting, bars by start and duration, errors in red).
 */
import { chromium, type Browser, type Page } from "playwright-core";

/** What the page showed. */
export interface TracePage {
  /** `jaeger-ui`: Jaeger's own UI; `placeholder`: the query service's page for a build without UI assets. */
  ui: "jaeger-ui" | "placeholder";
  /** The text of the page after the trace was drawn. */
  text: string;
}

const CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update", "--disable-default-apps", "--disable-sync", "--no-first-run", "--mute-audio"];

/** Launches Debian's Chromium headless. */
export function launchChromium(executablePath: string): Promise<Browser> {
  return chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS, timeout: 60_000 });
}

/** Draws the trace that Jaeger's query API returns, in the page (which is on Jaeger's origin). */
async function drawFromQueryApi(page: Page, traceId: string): Promise<void> {
  await page.evaluate(async (id: string) => {
    type Span = { spanID: string; operationName: string; startTime: number; duration: number; references?: { refType: string; spanID: string }[]; tags?: { key: string; value: unknown }[] };
    const res = await fetch(`/api/traces/${id}`);
    const body = (await res.json()) as { data: { traceID: string; spans: Span[] }[] };
    const spans = body.data[0]!.spans;
    const parentOf = new Map(spans.map((s) => [s.spanID, s.references?.find((r) => r.refType === "CHILD_OF")?.spanID]));
    const depth = (s: Span): number => {
      let d = 0;
      for (let p = parentOf.get(s.spanID); p !== undefined && d < 50; p = parentOf.get(p)) d++;
      return d;
    };
    const ordered: Span[] = [];
    const visit = (parent: string | undefined): void => {
      for (const s of spans.filter((x) => parentOf.get(x.spanID) === parent || (parent === undefined && !spans.some((y) => y.spanID === parentOf.get(x.spanID)))).sort((a, b) => a.startTime - b.startTime)) {
        if (ordered.includes(s)) continue;
        ordered.push(s);
        visit(s.spanID);
      }
    };
    visit(undefined);
    const t0 = Math.min(...spans.map((s) => s.startTime));
    const total = Math.max(...spans.map((s) => s.startTime + s.duration)) - t0 || 1;
    const isError = (s: Span): boolean => (s.tags ?? []).some((t) => (t.key === "error" && t.value === true) || (t.key === "otel.status_code" && t.value === "ERROR"));
    // The page's document (this function runs in the browser; the project compiles without the DOM types).
    const doc = (globalThis as unknown as { document: { head: { innerHTML: string }; body: { innerHTML: string } } }).document;
    doc.head.innerHTML = "<style>body{font:13px DejaVu Sans,sans-serif;margin:16px!important;color:#222;max-width:none!important}h1{font-size:16px;margin:0 0 4px}p{margin:0 0 12px;color:#666}.row{display:flex;align-items:center;height:20px;border-bottom:1px solid #eee}.name{width:300px;white-space:nowrap;overflow:hidden}.lane{position:relative;flex:1;height:12px}.bar{position:absolute;height:12px;background:#4a90d9;border-radius:2px}.err .bar{background:#d9534f}.err .name{color:#c9302c}.dur{width:80px;text-align:right;color:#666}</style>";
    const rows = ordered
      .map((s) => {
        const left = ((s.startTime - t0) / total) * 100;
        const width = Math.max((s.duration / total) * 100, 0.3);
        return `<div class="row${isError(s) ? " err" : ""}"><div class="name" style="padding-left:${depth(s) * 14}px">${s.operationName}</div><div class="lane"><div class="bar" style="left:${left}%;width:${width}%"></div></div><div class="dur">${(s.duration / 1000).toFixed(2)} ms</div></div>`;
      })
      .join("");
    doc.body.innerHTML = `<h1>Trace ${id}</h1><p>${spans.length} spans from Jaeger's query API (/api/traces/${id}), drawn in headless Chromium: this Jaeger build has no UI assets</p>${rows}`;
  }, traceId);
}

/**
 * Opens `/trace/{id}` of Jaeger's query service, waits until `names` are on
 * the page (Jaeger's UI), or draws the trace from the query API (placeholder
 * page), and saves a screenshot to `screenshot`.
 */
export async function openTrace(browser: Browser, queryUrl: string, traceId: string, names: string[], screenshot: string): Promise<TracePage> {
  const page = await browser.newPage({ viewport: { width: 1100, height: 560 } });
  try {
    await page.goto(`${queryUrl}/trace/${traceId}`, { waitUntil: "load", timeout: 60_000 });
    const placeholder = (await page.content()).includes("This is not the Jaeger UI you are looking for");
    if (placeholder) await drawFromQueryApi(page, traceId);
    for (const name of names) await page.getByText(name, { exact: true }).first().waitFor({ timeout: 60_000 });
    await page.screenshot({ path: screenshot, fullPage: true });
    return { ui: placeholder ? "placeholder" : "jaeger-ui", text: await page.innerText("body") };
  } finally {
    await page.close();
  }
}
