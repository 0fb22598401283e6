/** Runs the built `flowcept-otel` program in a child process, as a user would. */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";

const CLI = fileURLToPath(new URL("../../lib/cli/main.js", import.meta.url));

/** What a run printed and its exit code. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI with `args`; no MongoDB from the environment, times in UTC, no terminal width unless `env` says so. */
export function runCliProcess(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...process.env, FLOWCEPT_MONGO_URI: "", MONGODB_URI: "", TZ: "UTC", COLUMNS: "", ...env } }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}
