/**
 * The crate's `ro-crate-preview.html`: one page with nothing to fetch that
 * says what the crate holds — the run, its steps and task runs — and lists
 * every entity of the metadata with its properties, references as links.
 */
import { isoTime } from "../../util/iso-time.js";
import { cappedText } from "./export-text.js";
import type { ExportInput } from "./export-input.js";

type Json = Record<string, unknown>;

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

function anchor(id: string): string {
  return `e-${Buffer.from(id).toString("base64url")}`;
}

function cell(v: unknown): string {
  if (Array.isArray(v)) return v.map(cell).join("<br>");
  if (v !== null && typeof v === "object" && typeof (v as Json)["@id"] === "string") {
    const id = (v as Json)["@id"] as string;
    return `<a href="#${anchor(id)}">${esc(cappedText(id, 200))}</a>`;
  }
  return esc(cappedText(typeof v === "string" ? v : JSON.stringify(v), 500));
}

/** The preview page of a crate's metadata. */
export function cratePreview(metadata: Json, input: ExportInput): string {
  const graph = metadata["@graph"] as Json[];
  const title = `Run of workflow ${String(input.workflow?.name ?? input.workflowId)}`;
  const failed = input.tasks.filter((t) => t.status === "ERROR").length;
  const summary: [string, string][] = [
    ["Workflow id", input.workflowId],
    ["Status", String(input.workflow?.status ?? "unknown")],
    ["Started", isoTime(input.workflow?.started_at) ?? "—"],
    ["Ended", isoTime(input.workflow?.ended_at) ?? "—"],
    ["Tasks", `${input.tasks.length} (${failed} failed)`],
    ["Activities", String(new Set(input.tasks.map((t) => String(t.activity_id))).size)],
    ["Entities in the metadata", String(graph.length)],
  ];
  const rows = graph
    .map((e) => {
      const id = String(e["@id"]);
      const props = Object.entries(e)
        .filter(([k]) => k !== "@id")
        .map(([k, v]) => `<tr><th>${esc(k)}</th><td>${cell(v)}</td></tr>`)
        .join("");
      return `<section id="${anchor(id)}"><h3>${esc(cappedText(id, 300))}</h3><table>${props}</table></section>`;
    })
    .join("\n");
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${esc(cappedText(title, 300))}</title>
<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:70em}table{border-collapse:collapse;margin:.5em 0}th,td{border:1px solid #ccc;padding:.2em .5em;text-align:left;vertical-align:top}th{background:#f4f4f4;font-weight:600}td{word-break:break-all}section{margin-bottom:1.5em}</style>
</head>
<body>
<h1>${esc(cappedText(title, 300))}</h1>
<p>A Workflow Run RO-Crate (Provenance Run Crate 0.5) exported by flowcept-otel. The machine-readable description is <a href="ro-crate-metadata.json">ro-crate-metadata.json</a>.</p>
<table>${summary.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(cappedText(v, 500))}</td></tr>`).join("")}</table>
<h2>Entities</h2>
${rows}
</body>
</html>
`;
}
