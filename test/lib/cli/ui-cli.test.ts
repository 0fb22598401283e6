/** `flowcept-otel ui` as a user runs it: a child process that prints where it serves, answers, and stops on SIGTERM. */
import { expect } from "chai";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runCliProcess } from "../../support/run-cli.js";
import { httpGet } from "../../support/sse-client.js";
import { fixtureRecords, jsonl } from "../ui/ui-fixture.js";

const CLI = fileURLToPath(new URL("../../../lib/cli/main.js", import.meta.url));

describe("flowcept-otel ui", function () {
  this.timeout(30_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "flowcept-ui-cli-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("serves the store on loopback, prints the address, and stops cleanly on SIGTERM", async () => {
    const store = join(dir, "store.jsonl");
    writeFileSync(store, jsonl(fixtureRecords()));
    const child = spawn(process.execPath, [CLI, "ui", "--store", store, "--port", "0"], { env: { ...process.env, FLOWCEPT_MONGO_URI: "", FLOWCEPT_SETTINGS_PATH: "" }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (err += c.toString()));
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    while (!/workflow\(s\) read/.test(err)) {
      if (child.exitCode !== null) throw new Error(`exited: ${out}${err}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const url = /at (http:\/\/127\.0\.0\.1:\d+)\/ \(Ctrl-C to stop\)/.exec(out)?.[1];
    expect(url, out).to.be.a("string");
    expect(out).to.contain(store);
    expect(err).to.match(/2 workflow\(s\) read; following the store: local store \(incremental reads\)/);
    const list = JSON.parse((await httpGet(`${url}/api/v1/workflows`)).body) as { total: number };
    expect(list.total).to.equal(2);
    child.kill("SIGTERM");
    expect(await exited).to.equal(0);
    expect(err).to.match(/stopped/);
  });

  it("names what is wrong with its arguments", async () => {
    const missing = await runCliProcess(["ui", "--store", join(dir, "nope.jsonl"), "--port", "0"]);
    expect(missing.code).to.equal(1);
    expect(missing.stderr).to.match(/no local store at .*nope\.jsonl: the file does not exist/);
    const both = await runCliProcess(["ui", "--store", "a.jsonl", "--mongo", "mongodb://127.0.0.1:1", "--port", "0"]);
    expect(both.code).to.equal(1);
    expect(both.stderr).to.match(/either --store or --mongo, not both/);
    expect((await runCliProcess(["ui", "--port", "99999"])).code).to.equal(2);
    expect((await runCliProcess(["ui", "--jaeger-url", "javascript:alert(1)"])).code).to.equal(2);
    const help = await runCliProcess(["ui", "--help"]);
    expect(help.stdout).to.match(/--store <path>[\s\S]*--mongo <uri>[\s\S]*--host <host>[\s\S]*--port <port>[\s\S]*--token <token>[\s\S]*--open/);
    expect(help.stdout).to.match(/\/api\/v1\/stream\/tasks/);
  });

  it("says when the port is taken", async () => {
    const store = join(dir, "store.jsonl");
    writeFileSync(store, jsonl(fixtureRecords()));
    const { createServer } = await import("node:net");
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const r = await runCliProcess(["ui", "--store", store, "--port", String(port)]);
      expect(r.code).to.equal(1);
      expect(r.stderr).to.match(/cannot listen on 127\.0\.0\.1:\d+: .*EADDRINUSE/);
    } finally {
      blocker.close();
    }
  });
});
