import { expect } from "chai";
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { startMongoTarget, type MongoTarget } from "../support/mongo-target.js";
import { DIST, REPO_ROOT } from "../support/paths.js";

const run = promisify(execFile);

/** What each example must print (one README section each). */
const EXPECTED: Record<string, RegExp[]> = {
  "controller-styles": [/^8\n42\n/, /my_workflow FINISHED\nmanual_example FINISHED\nusing_example FINISHED\n6 records, 9 messages/],
  wrappers: [
    /multTwo used=\{"x":21\} generated=\{"y":42\}/,
    /divmod used=\{"a":10,"b":3\} generated=\{"quotient":3,"remainder":1\}/,
    /load used=\{"source":"sensor","rows":3\} generated=\{"count":2\}/,
    /step tasks: 10\n/,
    /score tasks: 10000\n/,
  ],
  decorators: [/step used=\{"batch":\[0,1\]\} generated=\{"loss":0\.01\}/, /step used=\{"batch":\[2,3\]\} generated=\{"loss":0\.05\}/],
  loops: [/train_loop_iteration 5, batches_iteration 3, long_iteration 100000/, /last epoch: \{"loss":0\.1\}/],
  "custom-tasks": [/download FINISHED \{"bytes":12\}\nparse FINISHED \{"records":2\}\nnotify FINISHED \{\}/],
  telemetry: [/busy: (1[7-9]|[2-9]\d|\d{3,}) ms of CPU in \d+ ms/, /idle blocks: cpu, memory/],
  "distributed-processes": [/workflow [0-9a-f-]{36}: 3 tasks from the producers, y = 1, 4, 9/],
  settings: [/store: my_runs\.jsonl, max_value_bytes: 16384, mem: true/, /recorded text: 16\d{3} characters/],
  mongodb: [/failed: train lr=1: learning rate 1 diverges\n/, /best: lr=0\.1 loss=0\.500/, /records in mongodb:\/\//],
  "collector-path": [/ingest stored 2 records from \d+ request\(s\)/, /fit used=\{"epochs":9\} generated=\{"accuracy":0\.9\}/],
  adapters: [/0123456789abcdef0123456789abcdef FINISHED used=\{"epochs":"3","lr":"0\.01"\} generated=\{"accuracy":0\.9,"loss":0\.3\}/],
  "mcp-tools": [/add -> \[\{"type":"text","text":"5"\}\]; divide -> isError true/, /add FINISHED agent=calc used=\{"a":2,"b":3\}/, /divide ERROR agent=calc/, /add's parent is tools\/call add\n/],
  "agentic-app": [/^2 \+ 3 = 5\n/, /ai_model_invocation ai\.generateText\.doGenerate tokens=10\/5\nagent_tool add\nai_model_invocation ai\.generateText\.doGenerate tokens=20\/7\nagent_invocation ai\.generateText tokens=30\/12\n/],
  "otel-sdk-app": [/fetchStatus generated=\{"arg_0":"200"\}; HTTP client span under it: true; the app's exporter saw fetchStatus: true/],
  "otel-app": [/load-image used=\{"image\.path":"cat\.png"\}; resize parent is load-image: true/],
  "provenance-questions": [/value "\/models\/17-0\.05\.pt" ← train ← prepare ← value "\/data\/raw\.parquet"\nflowchart LR\n/, /args\.lr: 0\.1 → 0\.05\n/, /Tasks: 3 matched by activity and position, 2 differ, 1 the same/, /WORKFLOW_CARD\.md: # Workflow Card: questions/],
  subscribe: [/^failed: parse not a number: two\n1 delivered, 0 dropped\n$/],
  workers: [/energies 7\.485, 8\.178, 8\.871/, /3 pool tasks \(FINISHED, FINISHED, FINISHED\), 3 worker tasks, each a child of a pool task: true/],
};

describe("examples/: every example runs as written", function () {
  this.timeout(60_000);
  let mongo: MongoTarget;
  before(async () => {
    mongo = await startMongoTarget();
  });
  after(() => mongo.close());

  it("there is an expectation for every example file", () => {
    const files = readdirSync(join(REPO_ROOT, "examples"))
      .filter((f) => f.endsWith(".ts"))
      .map((f) => f.slice(0, -3));
    expect([...files].sort()).to.deep.equal([...Object.keys(EXPECTED), "main-workflow"].sort());
  });

  for (const [name, expected] of Object.entries(EXPECTED)) {
    it(name, async () => {
      const dir = mkdtempSync(join(tmpdir(), `flowcept-example-${name}-`));
      try {
        const env: Record<string, string | undefined> = { ...process.env, FLOWCEPT_SETTINGS_PATH: undefined, FLOWCEPT_MONGO_URI: undefined, OTEL_EXPORTER_OTLP_ENDPOINT: undefined, TZ: "UTC" };
        if (name === "mongodb") {
          const settings = join(dir, "mongo-settings.yaml");
          writeFileSync(settings, `databases:\n  mongodb:\n    db: ${mongo.freshDb()}\n`);
          env.FLOWCEPT_SETTINGS_PATH = settings;
          env.FLOWCEPT_MONGO_URI = mongo.uri;
        }
        for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
        const { stdout } = await run(process.execPath, [join(DIST, "examples", `${name}.js`)], { cwd: dir, env, timeout: 50_000 });
        for (const re of expected) expect(stdout).to.match(re);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  it("the examples type-check as a user project would have them: target es2022 (for `using` on Node 20) and exactOptionalPropertyTypes", async () => {
    const tsc = join(REPO_ROOT, "node_modules", "typescript-native", "bin", "tsc");
    const r = await run(process.execPath, [tsc, "-p", join(REPO_ROOT, "examples", "tsconfig.json")], { cwd: REPO_ROOT }).catch((e: { stdout: string; code: number }) => e);
    expect((r as { stdout: string }).stdout).to.equal("");
  });
});
