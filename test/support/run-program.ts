import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { REPO_ROOT } from "./paths.js";

const run = promisify(execFile);

/** The package's entry in the build, for `import … from` in a program's text. */
export const LIB = JSON.stringify(new URL("../../lib/index.js", import.meta.url).href);

/**
 * Runs the text of an ES module program in a process of its own (from the
 * repository root, so the package and its dependencies are importable);
 * returns what it printed. Rejects when it exits with an error.
 */
export async function runProgram(source: string, env: Record<string, string | undefined> = {}): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, ["--input-type=module", "-e", source], { cwd: REPO_ROOT, env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 });
}
