import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { runCliProcess as cli } from "../../support/run-cli.js";

const W = "6a1e0f3c-2b7d-4c1e-9f00-1d2c3b4a5e6f";
// Terminal control: clear the screen, set the window title, colour; C1 CSI; DEL.
const HOSTILE = "\u001b[2J\u001b]0;owned\u0007\u001b[31m\u009b1m\u007f";
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

describe("flowcept-otel CLI on hostile records and arguments", function () {
  this.timeout(30_000);
  let dir: string;
  let env: Record<string, string>;
  let store: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), "flowcept-cli-hostile-"));
    store = join(dir, "store.jsonl");
    const lines = [
      { type: "workflow", workflow_id: W, name: `run${HOSTILE}`, status: "FINISHED", started_at: 1700000000, ended_at: 1700000010 },
      { type: "task", task_id: "t1", workflow_id: W, activity_id: `act${HOSTILE}`, status: "ERROR", started_at: 1700000001, ended_at: 1700000002, used: { x: HOSTILE }, stderr: `boom${HOSTILE}` },
    ];
    writeFileSync(store, lines.map((l) => JSON.stringify(l)).join("\n") + "\n");
    env = { FLOWCEPT_SETTINGS_PATH: "", HOME: dir };
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("prints no terminal control characters from records: workflows, show, tasks, query, lineage, report", async () => {
    for (const args of [["workflows"], ["show"], ["tasks"], ["query", "{}"], ["lineage", "t1"], ["report"], ["--wide", "tasks"]]) {
      const r = await cli(["--buffer-path", store, ...args], env);
      expect(r.code, `${args.join(" ")}: ${r.stderr}`).to.equal(0);
      expect(CONTROL.test(r.stdout), `${args.join(" ")} printed ${JSON.stringify(r.stdout)}`).to.equal(false);
    }
    const show = await cli(["--buffer-path", store, "show"], env);
    expect(show.stdout).to.contain("run\\x1b[2J\\x1b]0;owned\\x07");
  });

  it("prints no terminal control characters from arguments in its error messages", async () => {
    const r = await cli(["--buffer-path", store, "show", `nope${HOSTILE}`], env);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.contain("nope\\x1b[2J");
    expect(CONTROL.test(r.stderr), JSON.stringify(r.stderr)).to.equal(false);
  });

  it("refuses a query filter that is JSON but not an object (null), as it does an array", async () => {
    const r = await cli(["--buffer-path", store, "query", "null"], env);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(/a query filter must be an object, got null/);
    expect(r.stdout).to.equal("");
  });

  it("will not write a report, a query export or a standard export over the store it reads (also through a symbolic link)", async () => {
    const before = readFileSync(store, "utf8");
    symlinkSync(store, join(dir, "link.jsonl"));
    for (const args of [["report", "--out", store], ["report", "--format", "html", "--out", join(dir, "link.jsonl")], ["query", "{}", "--output", store], ["export", "--format", "prov-json", "--out", store]]) {
      const r = await cli(["--buffer-path", store, ...args], env);
      expect(r.code, args.join(" ")).to.equal(1);
      expect(r.stderr).to.match(/is a file of the store being read/);
      expect(readFileSync(store, "utf8")).to.equal(before);
    }
  });
});
