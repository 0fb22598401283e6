import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import { buildCli, runCli } from "../../../lib/cli/program.js";
import { completionScript } from "../../../lib/cli/completion.js";
import { resetSettings } from "../../../lib/settings/settings-loader.js";
import { runCliProcess } from "../../support/run-cli.js";

const A = "aaaaaaaa-1111-4111-8111-111111111111";
const A2 = "aaaabbbb-2222-4222-8222-222222222222";
const B = "bbbbbbbb-3333-4333-8333-333333333333";

const cli = runCliProcess;

describe("flowcept-otel CLI: one grammar for every command", function () {
  this.timeout(30_000);
  let dir: string;
  let store: string;
  let env: Record<string, string>;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), "flowcept-grammar-"));
    store = join(dir, "store.jsonl");
    const lines = [
      { type: "workflow", workflow_id: A, name: "first", status: "FINISHED", started_at: 1700000000, ended_at: 1700000001 },
      { type: "workflow", workflow_id: A2, name: "second", status: "FINISHED", started_at: 1700000100, ended_at: 1700000101 },
      { type: "workflow", workflow_id: B, name: "crashed", status: "ERROR", stderr: "disk quota exceeded", started_at: 1700000200, ended_at: 1700000203.5 },
      { type: "task", task_id: "t1", workflow_id: A, activity_id: "tiny", status: "FINISHED", started_at: 1700000000.5, ended_at: 1700000000.5000003 },
      { type: "task", task_id: "t2", workflow_id: B, activity_id: "load", status: "FINISHED", started_at: 1700000200.25, ended_at: 1700000201, used: { path: "x".repeat(200) } },
      { type: "task", task_id: "t3", workflow_id: B, activity_id: "fit", status: "ERROR", stderr: "out of memory", started_at: 1700000201, ended_at: 1700000203 },
    ];
    writeFileSync(store, lines.map((l) => JSON.stringify(l)).join("\n") + "\n");
    const settings = join(dir, "settings.yaml");
    writeFileSync(settings, `project:\n  dump_buffer:\n    path: ${store}\n`);
    env = { FLOWCEPT_SETTINGS_PATH: settings };
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("--version prints the package's version", async () => {
    const pkg = JSON.parse(readFileSync(fileURLToPath(new URL("../../../../package.json", import.meta.url)), "utf8")) as { version: string };
    for (const flag of ["--version", "-V"]) {
      const r = await cli([flag]);
      expect(r.code).to.equal(0);
      expect(r.stdout).to.equal(`${pkg.version}\n`);
    }
  });

  it("every command that takes a workflow defaults to the latest and accepts a unique prefix of its id", async () => {
    const latest = await cli(["show"], env);
    expect(latest.stdout).to.contain(`Workflow "crashed" ${B}`);
    const tasksLatest = await cli(["tasks", "--json"], env);
    expect((JSON.parse(tasksLatest.stdout) as { task_id: string }[]).map((t) => t.task_id)).to.deep.equal(["t2", "t3"]);
    for (const cmd of ["show", "tasks"]) {
      const byPrefix = await cli([cmd, "aaaaaaaa", "--json"], env);
      expect(byPrefix.code, byPrefix.stderr).to.equal(0);
      expect(byPrefix.stdout).to.contain(cmd === "show" ? `"workflow_id": "${A}"` : '"task_id": "t1"');
      const ambiguous = await cli([cmd, "aaaa"], env);
      expect(ambiguous.code).to.equal(1);
      expect(ambiguous.stderr).to.contain(`"aaaa" matches more than one workflow in ${store}`).and.contain(A).and.contain(A2);
      const unknown = await cli([cmd, "cafe"], env);
      expect(unknown.code).to.equal(1);
      expect(unknown.stderr).to.equal(`flowcept-otel: error: no workflow "cafe" in ${store}\n`);
    }
    const failedTasks = await cli(["tasks", "bbbb", "--status", "error", "--json"], env);
    expect((JSON.parse(failedTasks.stdout) as { task_id: string }[]).map((t) => t.task_id)).to.deep.equal(["t3"]);
  });

  it("a store that is not there: --buffer-path is an error, the default store says which file it looked for", async () => {
    const missing = join(dir, "nowhere.jsonl");
    for (const cmd of [["query", "{}"], ["workflows"], ["tasks"], ["show"]]) {
      const r = await cli(["--buffer-path", missing, ...cmd], env);
      expect(r.code, cmd.join(" ")).to.equal(1);
      expect(r.stderr).to.equal(`flowcept-otel: error: no local store at ${missing} (--buffer-path): the file does not exist\n`);
    }
    const emptyEnv = { FLOWCEPT_SETTINGS_PATH: join(dir, "empty.yaml") };
    writeFileSync(emptyEnv.FLOWCEPT_SETTINGS_PATH, `project:\n  dump_buffer:\n    path: ${missing}\n`);
    const workflows = await cli(["workflows"], emptyEnv);
    expect(workflows.code).to.equal(0);
    expect(workflows.stdout).to.equal(`no workflows in ${missing} (the file does not exist)\n`);
    const show = await cli(["show"], emptyEnv);
    expect(show.code).to.equal(1);
    expect(show.stderr).to.contain(`no workflow in ${missing} (the file does not exist)`);
    const query = await cli(["query", '{"status": "RUNNING"}'], env);
    expect(query.stdout).to.equal(`no tasks match in ${store}\n`);
  });

  it("tables show local ISO times and human durations (--raw: numbers), keep the --projection order and fit the terminal (--wide: all)", async () => {
    const human = await cli(["query", "{}", "--projection", '{"status": 1, "started_at": 1, "task_id": 1}', "--sort", '{"task_id": 1}'], env);
    const lines = human.stdout.trimEnd().split("\n");
    expect(lines[0]).to.match(/^status\s+started_at\s+task_id$/);
    expect(lines[2]).to.match(/^FINISHED\s+2023-11-14T22:13:20\.500Z\s+t1$/);
    const tokyo = await cli(["query", '{"task_id": "t1"}', "--projection", '["started_at"]'], { ...env, TZ: "Asia/Tokyo" });
    expect(tokyo.stdout).to.contain("2023-11-15T07:13:20.500+09:00");
    const raw = await cli(["--raw", "query", '{"task_id": "t1"}', "--projection", '["task_id", "started_at"]'], env);
    expect(raw.stdout.trimEnd().split("\n")[2]).to.match(/^t1\s+1700000000\.5$/);
    const workflows = await cli(["workflows"], env);
    expect(workflows.stdout).to.match(/crashed\s+ERROR\s+2\s+1\s+1\s+2023-11-14T22:16:40\.000Z\s+3\.50 s/);
    const rawWorkflows = await cli(["workflows", "--raw"], env);
    expect(rawWorkflows.stdout).to.match(/crashed\s+ERROR\s+2\s+1\s+1\s+1700000200\s+3\.5\n/);

    const narrow = await cli(["query", "{}"], { ...env, COLUMNS: "100" });
    for (const l of narrow.stdout.trimEnd().split("\n")) expect(l.length, l).to.be.at.most(100);
    expect(narrow.stdout).to.contain("…");
    const wide = await cli(["query", "{}", "--wide"], { ...env, COLUMNS: "100" });
    expect(wide.stdout).to.contain("x".repeat(200));
    const piped = await cli(["query", "{}"], env);
    expect(Math.max(...piped.stdout.split("\n").map((l) => l.length))).to.be.greaterThan(100);
  });

  it("show gives durations under a microsecond in ns, and a failed workflow's error", async () => {
    const tiny = await cli(["show", A], env);
    expect(tiny.stdout).to.match(/tiny\s+1\s+(\d{3}) ns\s+\1 ns\s+\1 ns/);
    const crashed = await cli(["show", "bbbb"], env);
    expect(crashed.stdout).to.contain("status:    ERROR\n  error:     disk quota exceeded\n");
    expect(crashed.stdout).to.contain("fit: out of memory");
    expect(JSON.parse((await cli(["show", "bbbb", "--json"], env)).stdout)).to.include({ error: "disk quota exceeded" });
  });

  it("settings typos are reported on stderr, naming the key and the closest known key", async () => {
    const typo = join(dir, "typo.yaml");
    writeFileSync(typo, `project:\n  dump_bufer:\n    path: elsewhere.jsonl\n  dump_buffer:\n    path: ${store}\n`);
    const r = await cli(["--settings", typo, "workflows"]);
    expect(r.code).to.equal(0);
    expect(r.stderr).to.contain('unknown settings key "project.dump_bufer" has no effect (did you mean "project.dump_buffer"?)');
  });

  it("shows a progress line while reading a big store, on a terminal only", async () => {
    const big = join(dir, "big.jsonl");
    const line = JSON.stringify({ type: "task", task_id: "", workflow_id: B, activity_id: "bulk", status: "FINISHED", used: { pad: "p".repeat(900) } });
    const lines: string[] = [];
    for (let i = 0; i < 6000; i++) lines.push(line.replace('"task_id":""', `"task_id":"b${i}"`));
    writeFileSync(big, lines.join("\n") + "\n");
    for (const errIsTTY of [true, false]) {
      const out: string[] = [];
      const err: string[] = [];
      const saved = process.env.FLOWCEPT_SETTINGS_PATH;
      process.env.FLOWCEPT_SETTINGS_PATH = env.FLOWCEPT_SETTINGS_PATH!;
      resetSettings();
      try {
        const code = await runCli(["node", "flowcept-otel", "--buffer-path", big, "query", '{"activity_id": "bulk"}', "--limit", "1"], { out: (t) => void out.push(t), err: (t) => void err.push(t), errIsTTY });
        expect(code).to.equal(0);
      } finally {
        if (saved === undefined) delete process.env.FLOWCEPT_SETTINGS_PATH;
        else process.env.FLOWCEPT_SETTINGS_PATH = saved;
        resetSettings();
      }
      if (errIsTTY) {
        expect(err.join("")).to.match(new RegExp(`\\r\\x1b\\[Kreading ${big.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: \\d+\\.\\d MB of \\d+\\.\\d MB`));
        expect(err.at(-1)).to.equal("\r\x1b[K");
      } else expect(err).to.deep.equal([]);
    }
  });

  it("completion bash|zsh is generated from the parser: every command and option, valid shell syntax", async () => {
    const program = buildCli();
    const bash = (await cli(["completion", "bash"])).stdout;
    expect(bash).to.equal(completionScript(program, "bash"));
    execFileSync("bash", ["-n"], { input: bash });
    for (const c of program.commands) {
      expect(bash).to.contain(`    ${c.name()})`);
      for (const o of c.options) if (!(o as { hidden?: boolean }).hidden) expect(bash, `${c.name()} ${o.long}`).to.contain(o.long!);
    }
    expect(bash).to.contain("tensorboard mlflow").and.contain("tasks workflows agents objects");
    expect(bash).to.not.contain("--workflow-id <id>");
    // the script completes as bash runs it
    const complete = (words: string): string[] =>
      execFileSync("bash", ["-c", `${bash}\nCOMP_WORDS=(${words}); COMP_CWORD=$((\${#COMP_WORDS[@]} - 1)); _flowcept_otel_completion; printf '%s\\n' "\${COMPREPLY[@]}"`], { encoding: "utf8" }).trim().split("\n");
    expect(complete("flowcept-otel wo")).to.deep.equal(["workflows"]);
    expect(complete("flowcept-otel query '{}' --coll")).to.deep.equal(["--collection"]);
    expect(complete("flowcept-otel query '{}' --collection w")).to.deep.equal(["workflows"]);
    expect(complete("flowcept-otel watch m")).to.deep.equal(["mlflow"]);
    const zsh = (await cli(["completion", "zsh"])).stdout;
    expect(zsh).to.match(/^#compdef flowcept-otel\n/).and.contain("'show:the summary of a workflow");
    try {
      execFileSync("zsh", ["-n"], { input: zsh });
    } catch (err) {
      if ((err as { code?: string }).code !== "ENOENT") throw err;
    }
    const bad = await cli(["completion", "fish"]);
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.contain("Allowed choices are bash, zsh");
  });
});
