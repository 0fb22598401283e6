/**
 * Settings: a settings.yaml found through FLOWCEPT_SETTINGS_PATH, and
 * configure() from code on top of it. A misspelt key gets a warning naming
 * the closest known key.
 *
 *   node dist/examples/settings.js
 */
import { writeFileSync } from "node:fs";
import { diag, DiagConsoleLogger, DiagLogLevel } from "@opentelemetry/api";
import { configure, Flowcept, flowceptTask, getSettings } from "flowcept-otel";

// Show the library's warnings on the console (an application chooses where they go).
diag.setLogger(new DiagConsoleLogger(), DiagLogLevel.WARN);

// #region settings
writeFileSync(
  "settings.yaml",
  `project:
  dump_buffer:
    path: my_runs.jsonl
  dump_bufer:                 # a typo: warned about, with "did you mean project.dump_buffer?"
    path: elsewhere.jsonl
telemetry_capture:
  mem: true
`,
);
process.env.FLOWCEPT_SETTINGS_PATH = "settings.yaml"; // usually set in the shell

configure({ project: { max_value_bytes: 16 * 1024 } }); // code overrides the file
// #endregion settings

const settings = getSettings();
console.log(`store: ${settings.project.dump_buffer.path}, max_value_bytes: ${settings.project.max_value_bytes}, mem: ${settings.telemetry_capture.mem}`);
const echo = flowceptTask(function echo(text: string) {
  return text;
});
await Flowcept.run({ workflowName: "with_settings" }, () => echo("x".repeat(20_000)));
const [task] = Flowcept.readBufferFile("my_runs.jsonl").filter((r) => r.type === "task");
console.log(`recorded text: ${JSON.stringify(task?.used).length} characters (cut at max_value_bytes)`);
