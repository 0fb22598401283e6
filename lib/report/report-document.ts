/**
 * A report as a list of blocks — headings, paragraphs, bullet lists,
 * tables, code and figures — written out as Markdown or as HTML, so both
 * forms of a report say the same thing. Inline text may hold `code` spans
 * and **bold** runs; everything else is escaped for the target.
 */

/** One block of a report. */
export type Block =
  | { kind: "heading"; level: 1 | 2 | 3 | 4; text: string }
  | { kind: "paragraph"; text: string }
  | { kind: "list"; items: ListItem[] }
  | { kind: "table"; headers: string[]; rows: string[][] }
  | { kind: "code"; language: string; text: string }
  | { kind: "figure"; title: string; svg: string; alt: string }
  | { kind: "rule" };

/** A bullet, possibly with bullets under it. */
export interface ListItem {
  text: string;
  items?: ListItem[];
}

/** `text` as inline code, whatever backticks it holds. */
export function code(text: string): string {
  const one = text.replace(/\r?\n/g, " ");
  const longest = Math.max(0, ...(one.match(/`+/g) ?? []).map((s) => s.length));
  const fence = "`".repeat(longest + 1);
  return `${fence}${one.startsWith("`") || one.endsWith("`") ? ` ${one} ` : one}${fence}`;
}

/** Markdown: figures become their title in italics (the SVG belongs to the HTML form). */
export function toMarkdown(blocks: readonly Block[]): string {
  const out: string[] = [];
  const list = (items: readonly ListItem[], depth: number): void => {
    for (const it of items) {
      out.push(`${"  ".repeat(depth)}- ${mdInline(it.text)}`);
      if (it.items) list(it.items, depth + 1);
    }
  };
  for (const b of blocks) {
    switch (b.kind) {
      case "heading":
        out.push(`${"#".repeat(b.level)} ${mdInline(b.text)}`, "");
        break;
      case "paragraph":
        out.push(mdInline(b.text), "");
        break;
      case "list":
        list(b.items, 0);
        out.push("");
        break;
      case "table":
        out.push(`| ${b.headers.map(mdCell).join(" | ")} |`, `| ${b.headers.map(() => "---").join(" | ")} |`);
        for (const r of b.rows) out.push(`| ${r.map(mdCell).join(" | ")} |`);
        out.push("");
        break;
      case "code": {
        const fence = "`".repeat(Math.max(3, ...(b.text.match(/`+/g) ?? []).map((s) => s.length + 1)));
        out.push(`${fence}${b.language}`, b.text, fence, "");
        break;
      }
      case "figure":
        out.push(`*Figure: ${mdInline(b.title)} (in the HTML report).*`, "");
        break;
      case "rule":
        out.push("---");
        break;
    }
  }
  return `${out.join("\n").trimEnd()}\n`;
}

/** Inline text for Markdown: code spans kept, HTML and line breaks neutralised outside them. */
function mdInline(text: string): string {
  return splitCode(text)
    .map(([isCode, s]) => (isCode ? s : s.replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/\r?\n/g, " ")))
    .join("");
}

function mdCell(text: string): string {
  return mdInline(text).replace(/\|/g, "\\|");
}

/** Splits text into code spans (true) and the rest (false). */
function splitCode(text: string): [boolean, string][] {
  const out: [boolean, string][] = [];
  const re = /(`+)([\s\S]*?)\1/g;
  let at = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m.index > at) out.push([false, text.slice(at, m.index)]);
    out.push([true, m[0]]);
    at = m.index + m[0].length;
  }
  if (at < text.length) out.push([false, text.slice(at)]);
  return out;
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

function htmlInline(text: string): string {
  return splitCode(text)
    .map(([isCode, s]) => {
      if (isCode) {
        const fence = s.match(/^`+/)![0].length;
        return `<code>${escapeHtml(s.slice(fence, s.length - fence).replace(/^ (.*) $/, "$1"))}</code>`;
      }
      return escapeHtml(s).replace(/\*\*(.+?)\*\*/g, "<strong>$1</strong>").replace(/(^|[^*])\*([^*]+)\*/g, "$1<em>$2</em>");
    })
    .join("");
}

const STYLE = `
body{font:14px/1.45 -apple-system,"Segoe UI",Helvetica,Arial,sans-serif;color:#1f2328;max-width:1100px;margin:24px auto;padding:0 24px}
h1{font-size:26px;border-bottom:1px solid #d0d7de;padding-bottom:6px}h2{font-size:20px;margin-top:28px;border-bottom:1px solid #eaeef2;padding-bottom:4px}h3{font-size:16px}h4{font-size:14px}
code{font:12px ui-monospace,Menlo,Consolas,monospace;background:#f6f8fa;padding:1px 4px;border-radius:4px;word-break:break-all}
pre{background:#f6f8fa;padding:10px;border-radius:6px;overflow:auto}pre code{background:none;padding:0}
table{border-collapse:collapse;margin:8px 0}th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}th{background:#f6f8fa}
figure{margin:16px 0;padding:12px;border:1px solid #eaeef2;border-radius:6px;overflow-x:auto}figcaption{font-weight:600;margin-bottom:8px}
hr{border:0;border-top:1px solid #d0d7de;margin:24px 0}
`;

/** A whole HTML document: one file, styles and figures inline, nothing fetched. */
export function toHtml(blocks: readonly Block[], title: string): string {
  const out: string[] = [];
  const list = (items: readonly ListItem[]): string => `<ul>${items.map((it) => `<li>${htmlInline(it.text)}${it.items ? list(it.items) : ""}</li>`).join("")}</ul>`;
  for (const b of blocks) {
    switch (b.kind) {
      case "heading":
        out.push(`<h${b.level}>${htmlInline(b.text)}</h${b.level}>`);
        break;
      case "paragraph":
        out.push(`<p>${htmlInline(b.text)}</p>`);
        break;
      case "list":
        out.push(list(b.items));
        break;
      case "table":
        out.push(`<table><thead><tr>${b.headers.map((h) => `<th>${htmlInline(h)}</th>`).join("")}</tr></thead><tbody>${b.rows.map((r) => `<tr>${r.map((c) => `<td>${htmlInline(c)}</td>`).join("")}</tr>`).join("")}</tbody></table>`);
        break;
      case "code":
        out.push(`<pre><code>${escapeHtml(b.text)}</code></pre>`);
        break;
      case "figure":
        out.push(`<figure role="img" aria-label="${escapeHtml(b.alt)}" data-figure="${escapeHtml(b.title)}"><figcaption>${escapeHtml(b.title)}</figcaption>${b.svg}</figure>`);
        break;
      case "rule":
        out.push("<hr>");
        break;
    }
  }
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body>
${out.join("\n")}
</body></html>
`;
}
