import { expect } from "chai";
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { readBufferFile } from "../../../exporters/jsonl/buffer-file.js";
import { FlowceptDb } from "../../../lib/query/FlowceptDb.js";
import { readSettingsFile } from "../../../lib/settings/settings-loader.js";
import { startMongoTarget, type MongoTarget } from "../../support/mongo-target.js";

const run = promisify(execFile);
const PRODUCER = new URL("../../children/distributed-producer.js", import.meta.url).pathname;

function settingsFile(dir: string, mongo?: { uri: string; db: string }): string {
  const file = join(dir, "settings.yaml");
  const lines = ["project:", "  dump_buffer:", `    path: ${join(dir, "buffer.jsonl")}`];
  if (mongo) lines.push("databases:", "  mongodb:", "    enabled: true", `    uri: ${mongo.uri}`, `    db: ${mongo.db}`);
  lines.push("db_buffer:", `  spill_dir: ${join(dir, "spill")}`);
  writeFileSync(file, `${lines.join("\n")}\n`);
  return file;
}

async function runProcesses(settings: string, workflowId: string, campaignId: string, roles: string[], count: number): Promise<void> {
  await Promise.all(roles.map((role) => run(process.execPath, [PRODUCER, workflowId, campaignId, role, String(count)], { env: { ...process.env, FLOWCEPT_SETTINGS_PATH: settings } })));
}

describe("distributed mode: several processes add tasks to one workflow", function () {
  this.timeout(60_000);

  it("through the local store: every process's tasks, one merged workflow record", async () => {
    const dir = mkdtempSync(join(tmpdir(), "flowcept-dist-"));
    const settings = settingsFile(dir);
    const wf = randomUUID();
    await runProcesses(settings, wf, "campaign-local", ["starter", "producer", "producer", "producer"], 200);
    const recs = readBufferFile(join(dir, "buffer.jsonl"));
    const tasks = recs.filter((r) => r.type === "task");
    expect(tasks).to.have.length(800);
    expect(new Set(tasks.map((t) => t.task_id)).size).to.equal(800);
    expect(tasks.every((t) => t.workflow_id === wf && t.campaign_id === "campaign-local")).to.equal(true);
    const wfs = recs.filter((r) => r.type === "workflow");
    expect(wfs).to.have.length(1);
    expect(wfs[0]!.status).to.equal("FINISHED");
    const db = FlowceptDb.fromSettings(readSettingsFile(settings));
    try {
      expect(await db.taskQuery({ workflow_id: wf }, { projection: { task_id: 1 } })).to.have.length(800);
    } finally {
      await db.close();
    }
  });

  describe("through MongoDB", () => {
    let mongo: MongoTarget;
    before(async () => {
      mongo = await startMongoTarget();
    });
    after(async () => mongo.close());

    it("stores every process's tasks once and merges the workflow record two starters report", async () => {
      const dir = mkdtempSync(join(tmpdir(), "flowcept-dist-mongo-"));
      const dbName = mongo.freshDb();
      const settings = settingsFile(dir, { uri: mongo.uri, db: dbName });
      const wf = randomUUID();
      await runProcesses(settings, wf, "campaign-mongo", ["starter", "starter", "producer", "producer"], 150);
      const db = mongo.client.db(dbName);
      expect(await db.collection("tasks").countDocuments({ workflow_id: wf })).to.equal(600);
      const wfs = await db.collection("workflows").find({ workflow_id: wf }).toArray();
      expect(wfs).to.have.length(1);
      expect(wfs[0]!.status).to.equal("FINISHED");
      expect(wfs[0]!.campaign_id).to.equal("campaign-mongo");
      expect(wfs[0]!.started_at).to.be.instanceOf(Date);
      const q = FlowceptDb.fromSettings(readSettingsFile(settings));
      try {
        const tree = await q.getTasksRecursive(wf);
        expect(tree).to.have.length(600);
        expect((await q.getWorkflow(wf))!.name).to.equal("distributed_process_example");
      } finally {
        await q.close();
      }
    });
  });
});
