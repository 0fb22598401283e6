/**
 * The README's code is the examples' code: every TypeScript block in the
 * README is a region of a file in examples/ (which CI runs), named by the
 * comment above it. `UPDATE_SNIPPETS=1` rewrites the README from the
 * examples instead of comparing.
 */
import { expect } from "chai";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { defaultSettings, mergeSettings } from "../../lib/settings/settings.js";
import { REPO_ROOT } from "../support/paths.js";

const README = join(REPO_ROOT, "README.md");
const MARKER = /^<!-- example: (examples\/[\w./-]+\.ts)#([\w-]+) -->$/;

/** The lines between `// #region name` and `// #endregion name`, without their common indentation. */
function region(file: string, name: string): string {
  const lines = readFileSync(join(REPO_ROOT, file), "utf8").split("\n");
  const start = lines.findIndex((l) => l.trim() === `// #region ${name}`);
  const end = lines.findIndex((l, i) => i > start && l.trim() === `// #endregion ${name}`);
  if (start === -1 || end === -1) throw new Error(`${file} has no region "${name}"`);
  const body = lines.slice(start + 1, end);
  const indent = Math.min(...body.filter((l) => l.trim()).map((l) => l.length - l.trimStart().length));
  return body.map((l) => l.slice(indent)).join("\n");
}

interface Block {
  lang: string;
  marker?: { file: string; name: string };
  /** Line index of the opening fence. */
  open: number;
  close: number;
  text: string;
}

function blocks(lines: string[]): Block[] {
  const out: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /^\s*```(\w*)\s*$/.exec(lines[i]!);
    if (!m || !m[1]) continue;
    const close = lines.findIndex((l, j) => j > i && /^\s*```\s*$/.test(l));
    let prev = i - 1;
    while (prev >= 0 && lines[prev]!.trim() === "") prev--;
    const mk = prev >= 0 ? MARKER.exec(lines[prev]!.trim()) : null;
    out.push({ lang: m[1], marker: mk ? { file: mk[1]!, name: mk[2]! } : undefined, open: i, close, text: lines.slice(i + 1, close).join("\n") });
    i = close;
  }
  return out;
}

describe("README snippets", () => {
  it("every TypeScript block is a region of an example that CI runs, as it is there", () => {
    let lines = readFileSync(README, "utf8").split("\n");
    const found = blocks(lines).filter((b) => b.lang === "ts" || b.lang === "js");
    expect(found.length).to.be.greaterThan(15);
    if (process.env.UPDATE_SNIPPETS) {
      for (const b of [...found].reverse()) {
        if (b.marker) lines = [...lines.slice(0, b.open + 1), ...region(b.marker.file, b.marker.name).split("\n"), ...lines.slice(b.close)];
      }
      writeFileSync(README, lines.join("\n"));
      return;
    }
    for (const b of found) {
      expect(b.marker, `README line ${b.open + 1}: a code block without an <!-- example: examples/<file>.ts#<region> --> line above it`).to.not.equal(undefined);
      expect(b.text, `README line ${b.open + 1} differs from ${b.marker!.file}#${b.marker!.name} (UPDATE_SNIPPETS=1 npm test rewrites it)`).to.equal(region(b.marker!.file, b.marker!.name));
    }
  });

  it("settings in the README's YAML blocks are keys the settings know, with values they accept", () => {
    const yamlBlocks = blocks(readFileSync(README, "utf8").split("\n")).filter((b) => b.lang === "yaml");
    expect(yamlBlocks.length).to.be.greaterThan(0);
    for (const b of yamlBlocks) {
      for (const doc of parseAllDocuments(b.text)) {
        const warnings: string[] = [];
        mergeSettings(defaultSettings(), doc.toJS(), `README line ${b.open + 1}`, warnings);
        expect(warnings, b.text).to.deep.equal([]);
      }
    }
  });
});
