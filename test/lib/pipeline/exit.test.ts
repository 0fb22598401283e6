import { expect } from "chai";
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readBufferFile } from "../../../exporters/jsonl/buffer-file.js";

const SCRIPT = new URL("../../children/exit-scenarios.js", import.meta.url).pathname;

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

function runScenario(scenario: string, count: number, path: string, onReady?: (kill: (s: NodeJS.Signals) => void) => void): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SCRIPT, scenario, String(count)], { env: { ...process.env, BUFFER_PATH: path }, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    child.stdout.on("data", (d) => {
      if (String(d).includes("ready")) onReady?.((s) => child.kill(s));
    });
    child.on("error", reject);
    child.on("exit", (code, signal) => resolve({ code, signal, stderr }));
  });
}

function storePath(): string {
  return join(mkdtempSync(join(tmpdir(), "flowcept-exit-")), "buffer.jsonl");
}

describe("nothing lost at process end", function () {
  this.timeout(60_000);

  it("a database exporter that refuses every batch (and has no synchronous path) does not keep the process alive; what it never took is named at exit", async () => {
    const path = storePath();
    const child = spawn(process.execPath, [new URL("../../children/refusing-exporter-app.js", import.meta.url).pathname, path], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    // Killed after 45 s: a process kept alive by its exporter fails here.
    const killer = setTimeout(() => child.kill("SIGKILL"), 45_000);
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((r) => child.on("exit", (c, s) => r([c, s])));
    clearTimeout(killer);
    expect(signal, stderr).to.equal(null);
    expect(code, stderr).to.equal(0);
    expect(stdout).to.equal("run returned\n");
    expect(stderr).to.match(/\d+ records could not be written at exit/);
    expect(readBufferFile(path).filter((r) => r.activity_id === "step")).to.have.length(10);
  });

  it("a program that calls start() and simply ends has all its records, workflow FINISHED", async () => {
    const path = storePath();
    const out = await runScenario("end", 20_000, path);
    expect(out.code, out.stderr).to.equal(0);
    const recs = readBufferFile(path);
    expect(recs.filter((r) => r.activity_id === "step")).to.have.length(20_000);
    expect(recs.filter((r) => r.activity_id === "fast")).to.have.length(20_000);
    const wf = recs.find((r) => r.type === "workflow")!;
    expect(wf.status).to.equal("FINISHED");
    expect(wf.ended_at).to.be.a("number");
  });

  it("process.exit() writes everything synchronously; the workflow records the exit code", async () => {
    const path = storePath();
    const out = await runScenario("exit", 5000, path);
    expect(out.code).to.equal(3);
    const recs = readBufferFile(path);
    expect(recs.filter((r) => r.activity_id === "step")).to.have.length(5000);
    expect(recs.filter((r) => r.activity_id === "fast")).to.have.length(5000);
    const wf = recs.find((r) => r.type === "workflow")!;
    expect(wf.status).to.equal("ERROR");
    expect(wf.stderr).to.equal("process exited with code 3");
  });

  it("an uncaught exception still leaves every record on disk", async () => {
    const path = storePath();
    const out = await runScenario("uncaught", 3000, path);
    expect(out.code).to.equal(1);
    expect(out.stderr).to.contain("crash after work");
    const recs = readBufferFile(path);
    expect(recs.filter((r) => r.activity_id === "step")).to.have.length(3000);
    expect(recs.find((r) => r.type === "workflow")!.status).to.equal("ERROR");
  });

  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    it(`${signal} flushes, records the interruption, and still terminates the process`, async () => {
      const path = storePath();
      const out = await runScenario("signal", 4000, path, (kill) => kill(signal));
      expect(out.signal).to.equal(signal);
      const recs = readBufferFile(path);
      expect(recs.filter((r) => r.activity_id === "step")).to.have.length(4000);
      expect(recs.filter((r) => r.activity_id === "fast" && (r.used as { i: number }).i >= 0)).to.have.length(4000);
      const wf = recs.find((r) => r.type === "workflow")!;
      expect(wf.status).to.equal("ERROR");
      expect(wf.stderr).to.equal(`workflow interrupted by ${signal}`);
    });
  }

  it("the application's own SIGTERM handler runs first: its tasks belong to the workflow, which ends after, as interrupted", async () => {
    const path = storePath();
    const out = await runScenario("app-sigterm", 50, path, (kill) => kill("SIGTERM"));
    expect(out.code, out.stderr).to.equal(0);
    const recs = readBufferFile(path);
    const wf = recs.find((r) => r.type === "workflow")!;
    const late = recs.filter((r) => r.activity_id === "step" && (r.used as { i: number }).i < 0);
    expect(late).to.have.length(100);
    for (const t of late) expect(t.workflow_id).to.equal(wf.workflow_id);
    expect(wf.status).to.equal("ERROR");
    expect(wf.stderr).to.equal("workflow interrupted by SIGTERM");
    expect(wf.ended_at).to.be.at.least(Math.max(...late.map((t) => t.ended_at as number)));
  });

  it("a task still running at SIGTERM is recorded as interrupted", async () => {
    const path = storePath();
    const out = await runScenario("pending-task", 10, path, (kill) => kill("SIGTERM"));
    expect(out.signal).to.equal("SIGTERM");
    const slow = readBufferFile(path).find((r) => r.activity_id === "slow")!;
    expect(slow.status).to.equal("ERROR");
    expect(slow.stderr).to.equal("interrupted by SIGTERM");
    expect(slow.ended_at).to.be.a("number");
  });
});
