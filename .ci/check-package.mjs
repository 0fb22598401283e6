#!/usr/bin/env node
// Checks the package as a user gets it: packs it (the prepack script builds), lints the tarball
// (publint), checks that ESM, CommonJS and types resolve for every subpath of the exports map
// (@arethetypeswrong/cli), installs it into an empty project (dependencies from the npm cache, else
// the registry), measures the install, runs an example there, requires and imports every entry,
// and type-checks a user file in ESM and CommonJS modes.
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
// The target of the default install: two thirds of it is the OTel SDK; libraries one feature needs are optional peers.
// The standard exports (W3C PROV, RO-Crate, OpenLineage: about 350 KiB with yazl) fit within 30 MiB
// since @opentelemetry/instrumentation (2.5 MiB with its module hooks) became an optional peer.
const MAX_INSTALL_KIB = 30 * 1024;
// A node_modules above the scratch project would lend it packages it did not install (and hide a missing peer).
for (let dir = resolve(tmpdir()); ; dir = dirname(dir)) {
  if (existsSync(join(dir, "node_modules"))) throw new Error(`${join(dir, "node_modules")} is above the scratch project and would lend it packages: set TMPDIR to a folder without one above it`);
  if (dirname(dir) === dir) break;
}
const work = mkdtempSync(join(tmpdir(), "flowcept-package-"));
const bin = (name) => join(root, "node_modules", ".bin", name);

function step(title, file, args, opts = {}) {
  process.stdout.write(`\n== ${title}\n`);
  return execFileSync(file, args, { stdio: opts.capture ? ["ignore", "pipe", "inherit"] : "inherit", encoding: "utf8", cwd: work, ...opts });
}

try {
  // The web UI is built again, as in a fresh clone: its build must leave npm pack's JSON alone.
  rmSync(join(root, "dist/ui/.source-hash"), { force: true });
  const packed = JSON.parse(step("npm pack (prepack builds dist/)", "npm", ["pack", root, "--json", "--pack-destination", work], { capture: true }))[0];
  const tarball = join(work, packed.filename);
  const files = packed.files.map((f) => f.path);
  for (const needed of ["dist/lib/index.js", "dist/lib/index.d.ts", "dist/lib/cli/main.js", "dist/lib/register.js", "dist/ui/index.html", "README.md", "LICENSE", "docs/architecture.md"]) {
    if (!files.includes(needed)) throw new Error(`the package lacks ${needed}`);
  }
  const stray = files.filter((f) => f.endsWith(".map") || f.startsWith("dist/test/") || f.startsWith("dist/bench/"));
  if (stray.length) throw new Error(`the package holds files users do not need: ${stray.slice(0, 5).join(", ")}`);
  console.log(`${packed.filename}: ${files.length} files, ${(packed.size / 1024).toFixed(0)} KiB packed, ${(packed.unpackedSize / 1024).toFixed(0)} KiB unpacked`);

  step("publint", bin("publint"), ["run", tarball, "--strict"]);
  // Node ≥ 20.19 (our floor) loads ES modules with require(), so CommonJS users require() the ESM
  // entries; attw's TypeScript predates that and reports it, so that one rule is left out here and
  // checked for real below (require() of every entry, and a CommonJS file type-checked with TS 7).
  step("@arethetypeswrong/cli", bin("attw"), [tarball, "--ignore-rules", "cjs-resolves-to-esm", "--no-emoji", "--no-color"]);

  const project = join(work, "project");
  execFileSync("mkdir", [project]);
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "scratch", private: true, type: "module" }));
  step("install into an empty project", "npm", ["install", tarball, "@opentelemetry/api", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: project });
  const kib = Number(execFileSync("du", ["-sk", join(project, "node_modules")], { encoding: "utf8" }).split("\t")[0]);
  console.log(`installed: ${(kib / 1024).toFixed(1)} MiB in node_modules (du -sk ${kib})`);
  if (kib > MAX_INSTALL_KIB) throw new Error(`the default install is ${(kib / 1024).toFixed(1)} MiB, above ${MAX_INSTALL_KIB / 1024} MiB`);
  for (const peer of Object.keys(pkg.peerDependenciesMeta ?? {})) {
    if (existsSync(join(project, "node_modules", peer))) throw new Error(`the default install holds ${peer}, an optional peer`);
  }

  for (const example of ["main-workflow.js", "controller-styles.js"]) copyFileSync(join(root, "dist", "examples", example), join(project, example));
  const out = step("run an example from the installed package", process.execPath, ["main-workflow.js"], { cwd: project, capture: true, env: { ...process.env, FLOWCEPT_SETTINGS_PATH: "" } });
  if (!/status:\s+FINISHED/.test(out)) throw new Error(`examples/main-workflow printed:\n${out}`);
  step("", process.execPath, ["controller-styles.js"], { cwd: project, env: { ...process.env, FLOWCEPT_SETTINGS_PATH: "" } });
  // The library instrumentations need an optional peer: asking for one without it is one error, and the program runs.
  process.stdout.write("\n== FLOWCEPT_INSTRUMENTATIONS=mcp without @opentelemetry/instrumentation\n");
  const asked = spawnSync(process.execPath, ["--import", "flowcept-otel/register", "main-workflow.js"], { cwd: project, encoding: "utf8", env: { ...process.env, FLOWCEPT_SETTINGS_PATH: "", FLOWCEPT_INSTRUMENTATIONS: "mcp" } });
  const named = asked.stderr.split("\n").filter((l) => l.includes("npm install @opentelemetry/instrumentation"));
  if (asked.status !== 0 || !/status:\s+FINISHED/.test(asked.stdout) || named.length !== 1) throw new Error(`FLOWCEPT_INSTRUMENTATIONS=mcp: exit ${asked.status}\n${asked.stdout}\n${asked.stderr}`);
  console.log(named[0]);
  const version = step("the installed command line", "npx", ["--no-install", "flowcept-otel", "--version"], { cwd: project, capture: true }).trim();
  if (version !== pkg.version) throw new Error(`flowcept-otel --version printed ${version}, expected ${pkg.version}`);
  step("", "npx", ["--no-install", "flowcept-otel", "workflows"], { cwd: project });

  const subpaths = Object.keys(pkg.exports).filter((k) => k !== "./package.json").map((k) => `flowcept-otel${k.slice(1)}`);
  const probe = `for (const s of ${JSON.stringify(subpaths)}) { const m = require(s); if (!Object.keys(m).length && !s.endsWith("/register")) throw new Error(s + " has no exports"); } console.log("require() of every entry: ok");`;
  step("CommonJS: require() every entry", process.execPath, ["--input-type=commonjs", "-e", probe], { cwd: project });
  step("ESM: import every entry", process.execPath, ["--input-type=module", "-e", `for (const s of ${JSON.stringify(subpaths)}) await import(s); console.log("import of every entry: ok");`], { cwd: project });

  const user = `import { Flowcept, flowceptTask, type TaskOptions } from "flowcept-otel";
import type { FlowceptDb } from "flowcept-otel/query";
import type { OtlpIngestServerOptions } from "flowcept-otel/exporters";
import type { RunInWorkerOptions } from "flowcept-otel/instrumentations";
const opts: TaskOptions = { activityId: process.env.ACTIVITY, outputNames: "y" };
const f = flowceptTask(opts, (x: number) => x + 1);
const ingest: OtlpIngestServerOptions = { port: Number(process.env.PORT ?? 0), token: process.env.TOKEN };
const worker: RunInWorkerOptions = { poolName: process.env.POOL };
export async function main(db?: FlowceptDb): Promise<number> {
  await Flowcept.run({ workflowName: process.env.NAME, campaignId: process.env.CAMPAIGN }, () => f(1));
  return (db ? 1 : 0) + Object.keys(ingest).length + Object.keys(worker).length;
}
`;
  writeFileSync(join(project, "user.mts"), user);
  writeFileSync(join(project, "user.cts"), user.replace("export async function main", "export = async function main").replace(/^export = (.*)$/m, "$1"));
  writeFileSync(
    join(project, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: { target: "es2022", lib: ["es2023", "esnext.disposable"], module: "nodenext", moduleResolution: "nodenext", strict: true, exactOptionalPropertyTypes: true, skipLibCheck: true, noEmit: true, typeRoots: [join(root, "node_modules", "@types")], types: ["node"] },
      include: ["user.mts", "user.cts"],
    }),
  );
  step("types: a user file in ESM and CommonJS, with exactOptionalPropertyTypes", process.execPath, [join(root, "node_modules", "typescript-native", "bin", "tsc"), "-p", "tsconfig.json"], { cwd: project });
  console.log("\npackage checks: ok");
} finally {
  rmSync(work, { recursive: true, force: true });
}
