import { expect } from "chai";
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { readBufferFile } from "../../../exporters/jsonl/buffer-file.js";
import type { TaskRecord } from "../../../lib/records/records.js";
import { CHILDREN as children, REPO_ROOT } from "../../support/paths.js";

const run = promisify(execFile);

function tasks(path: string): TaskRecord[] {
  return readBufferFile(path).filter((r): r is TaskRecord => r.type === "task");
}

function one(list: TaskRecord[], pred: (t: TaskRecord) => boolean, what: string): TaskRecord {
  const found = list.filter(pred);
  expect(found, what).to.have.length(1);
  return found[0]!;
}

describe("workflows across processes (W3C trace context and baggage)", function () {
  this.timeout(30_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "flowcept-xproc-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("an instrumented HTTP call from a task puts the server's spans and tasks in the caller's workflow", async () => {
    const serverPath = join(dir, "server.jsonl");
    const clientPath = join(dir, "client.jsonl");
    const server = spawn(process.execPath, [join(children, "http-server.js")], { cwd: REPO_ROOT, env: { ...process.env, BUFFER_PATH: serverPath }, stdio: ["ignore", "pipe", "pipe"] });
    let serverErr = "";
    server.stderr.on("data", (c: Buffer) => (serverErr += c.toString()));
    const exited = new Promise<void>((resolve) => server.on("exit", () => resolve()));
    try {
      const port = await new Promise<string>((resolve, reject) => {
        let out = "";
        server.stdout.on("data", (c: Buffer) => {
          out += c.toString();
          if (out.includes("\n")) resolve(out.trim());
        });
        void exited.then(() => reject(new Error(`server exited: ${serverErr}`)));
      });
      const { stdout } = await run(process.execPath, [join(children, "http-client.js")], {
        cwd: REPO_ROOT,
        env: { ...process.env, BUFFER_PATH: clientPath, SERVER_URL: `http://127.0.0.1:${port}` },
      });
      const { workflowId, campaignId } = JSON.parse(stdout) as { workflowId: string; campaignId: string };
      server.kill("SIGTERM");
      await exited;

      const traceId = workflowId.replace(/-/g, "");
      const client = tasks(clientPath);
      const srv = tasks(serverPath);
      const fetchUser = one(client, (t) => t.activity_id === "fetch_user", "fetch_user task");
      const clientSpan = one(client, (t) => t.subtype === "client", "client http span");
      const serverSpan = one(srv, (t) => t.subtype === "server", "server http span");
      const lookup = one(srv, (t) => t.activity_id === "lookup_user", "lookup_user task");

      expect(clientSpan.parent_task_id).to.equal(fetchUser.task_id);
      expect(serverSpan.parent_task_id).to.equal(clientSpan.task_id);
      expect(lookup.parent_task_id).to.equal(serverSpan.task_id);
      for (const t of [fetchUser, clientSpan, serverSpan, lookup]) {
        expect(t.workflow_id, t.activity_id).to.equal(workflowId);
        expect(t.campaign_id, t.activity_id).to.equal(campaignId);
        expect(t.task_id.startsWith(traceId), t.activity_id).to.equal(true);
      }
      expect(lookup.used).to.deep.equal({ id: "42" });
      expect(lookup.generated).to.deep.equal({ id: "42", name: "user-42" });
      expect(serverSpan.used).to.include({ "http.request.method": "GET", "url.path": "/users/42", "http.response.status_code": 200 });
    } finally {
      if (server.exitCode === null) server.kill("SIGKILL");
    }
  });

  it("a child process started with flowceptEnv() joins the workflow under the spawning task", async () => {
    const parentPath = join(dir, "parent.jsonl");
    const childPath = join(dir, "child.jsonl");
    const { stdout } = await run(process.execPath, [join(children, "spawn-parent.js")], {
      cwd: REPO_ROOT,
      env: { ...process.env, BUFFER_PATH: parentPath, CHILD_BUFFER_PATH: childPath, CHILD_SCRIPT: join(children, "spawned-child.js") },
    });
    const { workflowId, campaignId, childSaw } = JSON.parse(stdout) as { workflowId: string; campaignId: string; childSaw: string };
    expect(childSaw).to.equal(workflowId, "Flowcept.currentWorkflowId in the child");
    const spawner = one(tasks(parentPath), (t) => t.activity_id === "spawn_child", "spawn_child task");
    const child = tasks(childPath);
    const square = child.filter((t) => t.activity_id === "child_square");
    expect(square).to.have.length(4);
    const top = one(child, (t) => t.activity_id === "child_square" && (t.used as { x: number }).x === 7, "top-level task");
    const loop = one(child, (t) => t.activity_id === "child_loop", "loop task");
    expect(top.parent_task_id).to.equal(spawner.task_id);
    expect(loop.parent_task_id).to.equal(spawner.task_id);
    for (const t of child) {
      expect(t.workflow_id, t.activity_id).to.equal(workflowId);
      expect(t.campaign_id, t.activity_id).to.equal(campaignId);
    }
    expect(child.filter((t) => t.activity_id === "child_loop_iteration")).to.have.length(3);
  });
});
