/**
 * Our workflow card beside the card Python Flowcept generates
 * (`Flowcept.generate_report`) on the same buffer file: a file Python
 * Flowcept wrote itself, and the example's store. The sections both cards
 * have are listed in docs/reports.md; the test keeps that list true.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { execFile } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { expect } from "chai";
import { generateReport } from "../../lib/report/generate-report.js";
import { FIXTURES, REPO_ROOT } from "../support/paths.js";
import { usePeers } from "./support/peers.js";
import { runPython, writeOfflineSettings } from "./support/python-flowcept.js";

const run = promisify(execFile);
const EXAMPLE = fileURLToPath(new URL("../../examples/main-workflow.js", import.meta.url));
const OUTPUT = join(REPO_ROOT, "test-output");

function sections(md: string): string[] {
  // Headings outside code blocks; an activity's own heading names it, not a section.
  return md
    .replace(/^```[\s\S]*?^```$/gm, "")
    .split("\n")
    .filter((l) => /^#{1,4} /.test(l) && !/^#+ Activity: /.test(l) && !/^# Workflow Card/.test(l));
}

/** The "Sections both cards have" list of docs/reports.md. */
function documented(): string[] {
  const doc = readFileSync(join(REPO_ROOT, "docs", "reports.md"), "utf8");
  const part = doc.split("<!-- sections both cards have -->")[1]!.split("<!-- end -->")[0]!;
  return [...part.matchAll(/^- `(.+)`$/gm)].map((m) => m[1]!);
}

describe("the workflow card beside Python Flowcept's", function () {
  const peers = usePeers("flowcept");
  let dir: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), "flowcept-card-"));
    mkdirSync(OUTPUT, { recursive: true });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function both(store: string, name: string): Promise<{ theirs: string; ours: string }> {
    const settings = writeOfflineSettings(dir, join(dir, "unused.jsonl"));
    const theirsPath = join(dir, `${name}-flowcept.md`);
    await runPython(peers.flowcept, "workflow_card.py", [store, theirsPath], { cwd: dir, env: { FLOWCEPT_SETTINGS_PATH: settings } });
    const theirs = readFileSync(theirsPath, "utf8");
    const ours = (await generateReport({ input_jsonl_path: store })).content;
    writeFileSync(join(OUTPUT, `${name}-flowcept-card.md`), theirs);
    writeFileSync(join(OUTPUT, `${name}-flowcept-otel-card.md`), ours);
    return { theirs, ours };
  }

  function compare(theirs: string, ours: string): { both: string[]; onlyTheirs: string[]; onlyOurs: string[] } {
    const t = sections(theirs);
    const o = sections(ours);
    return { both: t.filter((s) => o.includes(s)), onlyTheirs: t.filter((s) => !o.includes(s)), onlyOurs: o.filter((s) => !t.includes(s)) };
  }

  it("has every section of Flowcept's card on a file Python Flowcept wrote, and the same workflow facts", async () => {
    const store = join(dir, "flowcept-1.0.3-offline.jsonl"); // a copy: lineage keeps its index beside the store
    copyFileSync(join(FIXTURES, "flowcept", "flowcept-1.0.3-offline.jsonl"), store);
    const { theirs, ours } = await both(store, "python-offline");
    const c = compare(theirs, ours);
    process.stdout.write(`      both: ${c.both.join(" | ")}\n      only Flowcept's: ${c.onlyTheirs.join(" | ") || "—"}\n      only ours: ${c.onlyOurs.join(" | ")}\n`);
    for (const s of sections(theirs).filter((h) => /^## \d\. |^### 4\.\d /.test(h))) expect(sections(ours), s).to.include(s);
    expect(c.both).to.deep.equal(documented().filter((s) => sections(theirs).includes(s)));
    for (const fact of ["- **name:** `python_offline`", "- **execution_id:** `112b6030-1884-4028-ae72-09d47d6120c0`", "- **status:** `FINISHED`"]) {
      expect(theirs, fact).to.contain(fact);
      expect(ours, fact).to.contain(fact);
    }
    for (const activity of ["inner", "outer", "download", "fails"]) {
      expect(theirs).to.contain(`### Activity: \`${activity}\``);
      expect(ours).to.contain(`### Activity: \`${activity}\``);
    }
    expect(ours).to.contain("`bad x: 1`");
  });

  it("has every section of Flowcept's card on the example's store, which Python Flowcept reads too", async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, FLOWCEPT_MONGO_URI: "", MONGODB_URI: "" };
    delete env.FLOWCEPT_SETTINGS_PATH;
    await run(process.execPath, [EXAMPLE], { cwd: dir, env });
    const { theirs, ours } = await both(join(dir, "flowcept_buffer.jsonl"), "example");
    const c = compare(theirs, ours);
    process.stdout.write(`      both: ${c.both.join(" | ")}\n      only Flowcept's: ${c.onlyTheirs.join(" | ") || "—"}\n      only ours: ${c.onlyOurs.join(" | ")}\n`);
    expect(c.both).to.deep.equal(documented().filter((s) => sections(theirs).includes(s)));
    expect(c.onlyTheirs.filter((s) => s !== "## Workflow Structure")).to.deep.equal([]);
    expect(theirs).to.match(/\| trainStep \| \{'FINISHED': 5\} \|/);
    expect(ours).to.contain('| trainStep | {"FINISHED":5} |');
  });
});
