/**
 * `npm run bench [-- name...]`: runs the benchmark modules in this folder
 * (each exports `run()`), all of them by default.
 */
import { run as adapters } from "./adapters.js";
import { run as capture } from "./capture.js";
import { run as otel } from "./otel.js";
import { run as telemetry } from "./telemetry.js";
import { run as instrumentations } from "./instrumentations.js";
import { run as mongo } from "./mongo.js";

const suites: Record<string, () => Promise<void>> = { capture, telemetry, adapters, instrumentations, mongo, otel };

const wanted = process.argv.slice(2);
const names = wanted.length ? wanted : Object.keys(suites);
process.stdout.write(`node ${process.version}, ${new Date().toISOString()}\n`);
for (const name of names) {
  const suite = suites[name];
  if (!suite) {
    process.stderr.write(`unknown benchmark "${name}"; known: ${Object.keys(suites).join(", ")}\n`);
    process.exitCode = 2;
    continue;
  }
  await suite();
}
