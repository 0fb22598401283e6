import { expect } from "chai";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { readBufferFile } from "../../exporters/jsonl/buffer-file.js";
import { CHILDREN as children, FIXTURES, REPO_ROOT } from "../support/paths.js";

const run = promisify(execFile);
const INSTALL_INSTRUMENTATION = 'needs the package "@opentelemetry/instrumentation", which is not installed: npm install @opentelemetry/instrumentation';

/** A scratch folder whose settings put the local store in it. */
interface Store {
  dir: string;
  settings: string;
  buffer: string;
}

async function withStore(fn: (store: Store) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "flowcept-peers-"));
  try {
    const store = { dir, settings: join(dir, "settings.yaml"), buffer: join(dir, "buffer.jsonl") };
    writeFileSync(store.settings, `project:\n  dump_buffer:\n    path: ${JSON.stringify(store.buffer)}\n`);
    await fn(store);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `import-without-peers` under `--import flowcept-otel/register`, with the optional peers hidden. */
function runApp(store: Store, env: Record<string, string>): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, ["--import", join(children, "hide-peers.js"), "--import", "flowcept-otel/register", join(children, "import-without-peers.js")], {
    cwd: REPO_ROOT,
    env: { ...process.env, FLOWCEPT_SETTINGS_PATH: store.settings, ...env },
  });
}

const taskNames = (store: Store): unknown[] => readBufferFile(store.buffer).filter((r) => r.type === "task").map((t) => t.activity_id);

describe("optional peer libraries", () => {
  it("the package, its instrumentations and register load and record with every optional peer missing", async function () {
    this.timeout(30000);
    await withStore(async (store) => {
      const { stdout } = await runApp(store, { FLOWCEPT_INSTRUMENTATIONS: "mcp,tfjs,piscina" });
      expect(JSON.parse(stdout)).to.deep.equal({ peersHidden: true, exports: ["function", "function", "function", "function"], instrumentation: "ok", result: 2 });
      expect(taskNames(store)).to.deep.equal(["plain"]);
    });
  });

  it("without @opentelemetry/instrumentation, register, the package and the CLI load and record; asking for instrumentations names the package once", async function () {
    this.timeout(60000);
    await withStore(async (store) => {
      const hidden = { HIDE_INSTRUMENTATION_PEER: "1" };
      const asked = await runApp(store, { ...hidden, FLOWCEPT_INSTRUMENTATIONS: "mcp,tfjs,piscina" });
      expect(JSON.parse(asked.stdout)).to.deep.equal({ peersHidden: true, exports: ["function", "function", "function", "function"], instrumentation: `PiscinaInstrumentation ${INSTALL_INSTRUMENTATION}`, result: 2 });
      expect(asked.stderr.split("\n").filter((l) => l.includes("@opentelemetry/instrumentation"))).to.deep.equal([`[error] flowcept: Instrumenting mcp, tfjs, piscina ${INSTALL_INSTRUMENTATION}; the program runs without them`]);

      const plain = await runApp(store, { ...hidden, FLOWCEPT_INSTRUMENTATIONS: "" });
      expect(plain.stderr).to.equal("");
      expect(taskNames(store)).to.deep.equal(["plain", "plain"]);

      const cli = await run(process.execPath, ["--import", join(children, "hide-peers.js"), join(REPO_ROOT, "dist", "lib", "cli", "main.js"), "workflows", "--json"], {
        cwd: store.dir,
        env: { ...process.env, FLOWCEPT_SETTINGS_PATH: store.settings, ...hidden },
      });
      expect((JSON.parse(cli.stdout) as { name?: string }[]).map((w) => w.name)).to.deep.equal(["no-peers", "no-peers"]);
    });
  });

  it("each feature whose library is missing says which package to install, and the rest goes on", async function () {
    this.timeout(30000);
    const { stdout } = await run(process.execPath, ["--import", join(children, "hide-peers.js"), join(children, "features-without-peers.js"), join(FIXTURES, "mlflow", "sqlite-mlflow3", "mlflow.db")], {
      cwd: mkdtempSync(join(tmpdir(), "flowcept-peers-")),
      env: { ...process.env, FLOWCEPT_SETTINGS_PATH: "", OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:9", HIDE_INSTRUMENTATION_PEER: "1" },
    });
    const said = JSON.parse(stdout) as Record<string, string>;
    expect(said.mongodbStore).to.match(/needs the package "mongodb", which is not installed: npm install mongodb/);
    expect(said.mongodbQuery).to.match(/npm install mongodb/);
    expect(said.ingest).to.match(/ingest service .* needs the package "protobufjs".*npm install protobufjs/);
    expect(said.mlflowSqlite).to.match(/needs the package "sql.js".*npm install sql.js/);
    expect(said.localStore).to.equal("ok");
    expect(said.machineInfo).to.match(/needs the package \\?"systeminformation\\?".*npm install systeminformation/);
    expect(said.instrumentationClass).to.equal(`McpInstrumentation ${INSTALL_INSTRUMENTATION}`);
    expect(said.autoInstrumentations).to.equal(`0 enabled; flowcept: Instrumenting mcp, piscina ${INSTALL_INSTRUMENTATION}; the program runs without them`);
    expect(said.otlp).to.match(/spans are not exported: .*npm install @opentelemetry\/exporter-trace-otlp-proto/);
  });
});
