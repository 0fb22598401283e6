/**
 * A program a test runs (collector, Jaeger, the ingest service, an app):
 * started with its output in a log file, waited for until it answers, and
 * stopped by the test. Every process still running when the test process
 * exits is killed, so no test leaves one behind.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, readFileSync, type WriteStream } from "node:fs";
import { request } from "node:http";
import { createServer } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

const running = new Set<ChildProcess>();
process.on("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

/** A free TCP port on 127.0.0.1 (asked of the OS, then released for the program to bind). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** GET `url`: the status and body, or undefined when nothing answers. */
export function httpGet(url: string, timeoutMs = 5_000): Promise<{ status: number; body: string } | undefined> {
  return new Promise((resolve) => {
    const req = request(url, { agent: false, timeout: timeoutMs }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      res.on("error", () => resolve(undefined));
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(undefined));
    req.end();
  });
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs` with `what`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 60_000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Options of {@link PeerProcess.start}. */
export interface PeerProcessOptions {
  /** Name in messages. */
  name: string;
  command: string;
  args: string[];
  /** Variables added to (or, when undefined, removed from) the test process's environment. */
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Where stdout and stderr go (appended). */
  logFile: string;
}

export class PeerProcess {
  private readonly log: WriteStream;
  private out = "";
  readonly exited: Promise<number | null>;

  private constructor(
    readonly options: PeerProcessOptions,
    readonly child: ChildProcess,
  ) {
    running.add(child);
    this.log = createWriteStream(options.logFile, { flags: "a" });
    const onData = (c: Buffer): void => {
      this.out += c.toString();
      this.log.write(c);
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    this.exited = new Promise((resolve) =>
      child.on("exit", (code, signal) => {
        running.delete(child);
        this.log.end();
        resolve(code ?? (signal ? -1 : null));
      }),
    );
  }

  /** Starts the program (it is not yet ready: see {@link waitForHttp}, {@link waitForOutput}). */
  static start(options: PeerProcessOptions): PeerProcess {
    const env: Record<string, string | undefined> = { ...process.env };
    for (const [k, v] of Object.entries(options.env ?? {})) {
      if (v === undefined) delete env[k];
      else env[k] = v;
    }
    const child = spawn(options.command, options.args, { cwd: options.cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    return new PeerProcess(options, child);
  }

  /** What the program printed so far. */
  output(): string {
    return this.out;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Waits until GET `url` answers `status`; fails early when the program exits. */
  async waitForHttp(url: string, timeoutMs = 60_000, status = 200): Promise<void> {
    await waitFor(`${this.options.name} to answer ${url}`, async () => {
      if (!this.running) throw new Error(`${this.options.name} exited: ${this.tail()}`);
      return (await httpGet(url, 2_000))?.status === status;
    }, timeoutMs);
  }

  /** Waits until the output matches `pattern`; fails early when the program exits. */
  async waitForOutput(pattern: RegExp, timeoutMs = 60_000): Promise<RegExpExecArray> {
    return waitFor(`${this.options.name} to print ${pattern}`, () => {
      const m = pattern.exec(this.out);
      if (m) return m;
      if (!this.running) throw new Error(`${this.options.name} exited: ${this.tail()}`);
      return undefined;
    }, timeoutMs);
  }

  /** Sends `signal` (SIGTERM: a graceful stop) and waits for the exit; SIGKILL after `graceMs`. */
  async stop(signal: NodeJS.Signals = "SIGTERM", graceMs = 15_000): Promise<number | null> {
    if (this.running) {
      this.child.kill(signal);
      const timer = setTimeout(() => this.child.kill("SIGKILL"), graceMs);
      try {
        return await this.exited;
      } finally {
        clearTimeout(timer);
      }
    }
    return this.exited;
  }

  /** The last lines of the output, for error messages. */
  tail(lines = 15): string {
    const text = this.out || safeRead(this.options.logFile);
    return text.split("\n").slice(-lines).join("\n");
  }
}

function safeRead(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}
