/** The `flowcept-otel ingest` service as a child process, for tests with a real service. */
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { DIST } from "./paths.js";

const MAIN = join(DIST, "lib", "cli", "main.js");

export interface Service {
  child: ChildProcess;
  url: string;
  port: number;
  output: () => string;
  exited: Promise<number | null>;
}

/**
 * Starts `flowcept-otel ingest` in `cwd` (`HOME` there too, and no settings
 * file unless `env` names one) and waits for its address.
 */
export async function startService(cwd: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<Service> {
  const child = spawn(process.execPath, [MAIN, "ingest", ...(args.includes("--port") ? [] : ["--port", "0"]), ...args], {
    cwd,
    env: { ...process.env, HOME: cwd, FLOWCEPT_SETTINGS_PATH: "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr!.on("data", (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const check = (): void => {
      const m = /listening on (http:\/\/[\d.]+:\d+)\/v1\/traces/.exec(out);
      if (m) resolve(m[1]!);
    };
    child.stdout!.on("data", check);
    void exited.then((code) => reject(new Error(`ingest exited with ${code}: ${out}`)));
  });
  return { child, url, port: Number(new URL(url).port), output: () => out, exited };
}
