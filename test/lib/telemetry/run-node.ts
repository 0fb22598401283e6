/** Runs a Node ES module script in a child process, for tests of process lifetime and environment. */
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { expect } from "chai";
import { pathToFileURL } from "node:url";

/** `import` specifier of the built telemetry module, for child scripts. */
export const TELEMETRY_MODULE = new URL("../../../lib/telemetry/index.js", import.meta.url).href;

export interface ChildResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The child was still running after the limit and was killed. */
  timedOut: boolean;
}

/** Writes `source` to a temporary `.mjs` file and runs it; kills it after `limitMs`. */
export function runNode(
  source: string,
  opts: { env?: NodeJS.ProcessEnv; args?: string[]; limitMs?: number } = {},
): Promise<ChildResult> {
  const dir = mkdtempSync(join(tmpdir(), "fc-telemetry-child-"));
  const file = join(dir, "child.mjs");
  writeFileSync(file, source);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [pathToFileURL(file).pathname, ...(opts.args ?? [])], {
      env: opts.env ?? process.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, opts.limitMs ?? 5000);
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut });
    });
  });
}

/** Writes an executable shell script named `name` into a new directory; returns the directory. */
export function scriptDir(name: string, body: string): string {
  const dir = mkdtempSync(join(tmpdir(), "fc-telemetry-bin-"));
  writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return dir;
}

/** An environment with `dir` first on `PATH`. */
export function envWithPath(dir: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, ...extra, PATH: `${dir}${delimiter}${process.env.PATH}` };
}

/** Asserts the child ended on its own with status 0; returns its trimmed stdout. */
export function expectCleanExit(r: ChildResult, what = "the child was still running"): string {
  expect(r.timedOut, what).to.equal(false);
  expect(r.code, r.stderr).to.equal(0);
  return r.stdout.trim();
}
