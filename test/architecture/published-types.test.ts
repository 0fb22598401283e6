/**
 * The type declarations the package ships, as a TypeScript project that
 * checks its libraries (`skipLibCheck: false`) with `exactOptionalPropertyTypes`
 * compiles them.
 */
import { expect } from "chai";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { REPO_ROOT } from "../support/paths.js";

interface PackageJson {
  exports: Record<string, string | { types?: string }>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

const pkg = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as PackageJson;
const typedEntries = Object.entries(pkg.exports).flatMap(([name, e]) => (typeof e === "string" || !e.types ? [] : [{ name, file: resolve(REPO_ROOT, e.types) }]));
const entries = typedEntries.map((e) => e.file);
// The MongoDB API of these entries takes the driver's own types (`clientOptions`, `ensureFlowceptIndexes(db)`);
// the auto-instrumentations are `InstrumentationBase` classes.
const PEER_TYPES_ALLOWED: Record<string, string[]> = { "./query": ["mongodb"], "./exporters": ["mongodb"], "./instrumentations": ["@opentelemetry/instrumentation"] };
const optionalPeers = Object.entries(pkg.peerDependenciesMeta ?? {})
  .filter(([, m]) => m.optional)
  .map(([name]) => name);

/** The package's `.d.ts` files a user's program loads through the exported entries, with the bare specifiers each imports. */
function declarationGraph(entry: string): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  const todo = [entry];
  for (let file = todo.pop(); file; file = todo.pop()) {
    if (seen.has(file)) continue;
    const text = readFileSync(file, "utf8");
    const specifiers = [...text.matchAll(/(?:from\s+|import\(\s*)["']([^"']+)["']/g)].map((m) => m[1]!);
    seen.set(file, specifiers.filter((s) => !s.startsWith(".")));
    for (const s of specifiers.filter((s) => s.startsWith("."))) todo.push(resolve(dirname(file), s.replace(/\.js$/, ".d.ts")));
  }
  return seen;
}

describe("the published type declarations", function () {
  this.timeout(120_000);

  it("reach no optional peer's types from an exported entry (a user without vega or mongodb still type-checks)", () => {
    const offenders: string[] = [];
    for (const { name, file: entry } of typedEntries) {
      const peers = optionalPeers.filter((p) => !PEER_TYPES_ALLOWED[name]?.includes(p));
      for (const [file, imports] of declarationGraph(entry)) {
        for (const s of imports) if (peers.some((p) => s === p || s.startsWith(`${p}/`))) offenders.push(`${name}: ${file.slice(REPO_ROOT.length + 1)} imports ${s}`);
      }
    }
    expect(offenders).to.deep.equal([]);
  });

  it("type-check in a project with skipLibCheck off and exactOptionalPropertyTypes on", async () => {
    const dir = mkdtempSync(join(tmpdir(), "flowcept-types-"));
    try {
      writeFileSync(join(dir, "user.mts"), entries.map((e, i) => `import * as m${i} from ${JSON.stringify(e.replace(/\.d\.ts$/, ".js"))};\n`).join("") + `export const all = [${entries.map((_, i) => `m${i}`).join(", ")}];\n`);
      writeFileSync(
        join(dir, "tsconfig.json"),
        JSON.stringify({
          compilerOptions: { target: "es2022", lib: ["es2023", "esnext.disposable"], module: "nodenext", strict: true, exactOptionalPropertyTypes: true, skipLibCheck: false, noEmit: true, typeRoots: [join(REPO_ROOT, "node_modules", "@types")], types: ["node"] },
          files: ["user.mts"],
        }),
      );
      const tsc = join(REPO_ROOT, "node_modules", "typescript-native", "bin", "tsc");
      const out = await new Promise<string>((done) => execFile(process.execPath, [tsc, "-p", join(dir, "tsconfig.json")], { cwd: dir }, (_e, stdout, stderr) => done(stdout + stderr)));
      expect(out.trim()).to.equal("");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
