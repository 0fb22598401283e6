/**
 * `npm run bench [-- name...]`: runs the benchmark suites in this folder
 * (each module exports `run()`), all of them by default. Each suite runs in
 * a process of its own, so that one suite's heap and loaded modules do not
 * weigh on the next one's figures.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

/** Each suite is loaded only in the process that runs it. */
type Suite = () => Promise<{ run(): Promise<void> }>;
const suites: Record<string, Suite> = {
  capture: () => import("./capture.js"),
  compare: () => import("./compare.js"),
  telemetry: () => import("./telemetry.js"),
  adapters: () => import("./adapters.js"),
  instrumentations: () => import("./instrumentations.js"),
  mongo: () => import("./mongo.js"),
  otel: () => import("./otel.js"),
  lineage: () => import("./lineage.js"),
  store: () => import("./store.js"),
};

const args = process.argv.slice(2);
const inProcess = args[0] === "--in-process";
const names = (inProcess ? args.slice(1) : args).length ? (inProcess ? args.slice(1) : args) : Object.keys(suites);
const unknown = names.filter((n) => !suites[n]);
if (unknown.length) {
  process.stderr.write(`unknown benchmark ${unknown.map((n) => `"${n}"`).join(", ")}; known: ${Object.keys(suites).join(", ")}\n`);
  process.exitCode = 2;
} else if (inProcess) {
  for (const name of names) await (await suites[name]!()).run();
} else {
  process.stdout.write(`node ${process.version}, ${new Date().toISOString()}\n`);
  for (const name of names) {
    const r = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), "--in-process", name], { stdio: "inherit" });
    if (r.status !== 0) process.exitCode = r.status ?? 1;
  }
}
