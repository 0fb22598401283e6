/**
 * The dependency rule of docs/architecture.md as `.dependency-cruiser.cjs`
 * states it: `npm test` checks the real tree with it; these tests check that
 * the rules themselves catch what they must, on small trees made here.
 */
import { expect } from "chai";
import { cruise, type IReporterOutput } from "dependency-cruiser";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { REPO_ROOT } from "../support/paths.js";

const config = createRequire(import.meta.url)(join(REPO_ROOT, ".dependency-cruiser.cjs")) as { forbidden: unknown[]; options: Record<string, unknown> };

/** Cruises a tree of `files` (path → source) with the project's rules; returns the names of the rules broken. */
async function violations(files: Record<string, string>): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), "flowcept-deps-"));
  const cwd = process.cwd();
  try {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: { module: "NodeNext", moduleResolution: "NodeNext", strict: true } }));
    process.chdir(dir);
    const roots = [...new Set(Object.keys(files).map((p) => p.split("/")[0]!))];
    const result = (await cruise(roots, { validate: true, ruleSet: { forbidden: config.forbidden } as never, tsPreCompilationDeps: true, tsConfig: { fileName: "tsconfig.json" } } as never)) as IReporterOutput;
    const out = result.output as { summary: { violations: { rule: { name: string } }[] } };
    return [...new Set(out.summary.violations.map((v) => v.rule.name))].sort();
  } finally {
    process.chdir(cwd);
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("dependency rules (.dependency-cruiser.cjs)", function () {
  this.timeout(60_000);

  it("accept imports that point down the data flow", async () => {
    expect(
      await violations({
        "lib/records/records.ts": "export const A = 1;\n",
        "lib/settings/settings.ts": 'import { A } from "../records/records.js";\nexport const B = A;\n',
        "lib/capture/task.ts": 'import { B } from "../settings/settings.js";\nexport const C = B;\n',
        "exporters/jsonl/store.ts": 'import { A } from "../../lib/records/records.js";\nexport const D = A;\n',
        "lib/cli/main.ts": 'import { C } from "../capture/task.js";\nimport { D } from "../../exporters/jsonl/store.js";\nexport const E = C + D;\n',
      }),
    ).to.deep.equal([]);
  });

  it("refuse an arrow against the direction, type-only imports included", async () => {
    expect(
      await violations({
        "lib/records/records.ts": 'import type { B } from "../settings/settings.js";\nexport type A = B;\n',
        "lib/settings/settings.ts": "export type B = number;\n",
        "lib/capture/Flowcept.ts": 'import type { X } from "../../instrumentations/observer.js";\nexport type C = X;\n',
        "instrumentations/observer.ts": "export type X = string;\n",
        "exporters/mongo/store.ts": 'import { P } from "../../lib/pipeline/processor.js";\nexport const S = P;\n',
        "lib/pipeline/processor.ts": "export const P = 1;\n",
      }),
    ).to.deep.equal(["capture-imports-only-below", "mongo-imports-only-below", "records-imports-only-below"]);
  });

  it("refuse a cycle, also inside one folder", async () => {
    expect(
      await violations({
        "lib/records/a.ts": 'import { b } from "./b.js";\nexport const a = () => b;\n',
        "lib/records/b.ts": 'import { a } from "./a.js";\nexport const b = () => a;\n',
      }),
    ).to.deep.equal(["no-cycles"]);
  });

  it("refuse a file that belongs to no layer, and imports of it", async () => {
    expect(
      await violations({
        "lib/records/records.ts": "export const A = 1;\n",
        "lib/misc.ts": 'import { A } from "./records/records.js";\nexport const M = A;\n',
        "lib/capture/task.ts": 'import { M } from "../misc.js";\nexport const T = M;\n',
      }),
    ).to.deep.equal(["capture-imports-only-below", "no-unlayered-files"]);
  });
});
