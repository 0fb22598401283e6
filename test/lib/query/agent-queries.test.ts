import { expect } from "chai";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FlowceptDb } from "../../../lib/query/FlowceptDb.js";
import { LocalQueryBackend } from "../../../lib/query/LocalQueryBackend.js";
import { MongoQueryBackend } from "../../../lib/query/MongoQueryBackend.js";
import { MongoRecordExporter } from "../../../exporters/mongo/MongoRecordExporter.js";
import { formatWorkflowSummary, summarizeWorkflow } from "../../../lib/query/workflow-summary.js";
import type { FlowceptRecord } from "../../../lib/records/records.js";
import { runCliProcess } from "../../support/run-cli.js";
import { startMongoTarget, type MongoTarget } from "../../support/mongo-target.js";

export const WF = "22222222-2222-4222-8222-222222222222";

/** An agentic workflow as the mapping records it: an invocation, two model calls (one estimated), a tool, a tool served for the agent by an MCP server. */
export const AGENTIC: FlowceptRecord[] = [
  { type: "workflow", workflow_id: WF, name: "trip", status: "FINISHED", started_at: 1700000000, ended_at: 1700000010 },
  { type: "agent", agent_id: "asst_planner", name: "planner", version: "2.1.0", model: "gpt-4o", workflow_id: WF, registered_at: 1700000000 },
  { type: "agent", agent_id: "mcp-weather", name: "mcp-weather", workflow_id: WF, registered_at: 1700000001 },
  { type: "task", task_id: "inv", workflow_id: WF, activity_id: "invoke_agent planner", subtype: "agent_invocation", agent_id: "asst_planner", status: "FINISHED", started_at: 1700000001, ended_at: 1700000009, used: { model: "gpt-4o" }, custom_metadata: { llm_usage: { input_tokens: 50, output_tokens: 20 } } },
  { type: "task", task_id: "c1", workflow_id: WF, parent_task_id: "inv", activity_id: "chat gpt-4o", subtype: "ai_model_invocation", agent_id: "asst_planner", status: "FINISHED", started_at: 1700000002, ended_at: 1700000003, used: { model: "gpt-4o" }, custom_metadata: { llm_usage: { model: "gpt-4o-2024-08-06", input_tokens: 31, output_tokens: 9, token_count_source: "provider" } } },
  { type: "task", task_id: "c2", workflow_id: WF, parent_task_id: "inv", activity_id: "chat gpt-4o", subtype: "ai_model_invocation", agent_id: "asst_planner", status: "FINISHED", started_at: 1700000005, ended_at: 1700000006, used: { model: "gpt-4o" }, custom_metadata: { llm_usage: { model: "gpt-4o-2024-08-06", input_tokens: 19, output_tokens: 11, token_count_source: "estimated_from_chars" } } },
  { type: "task", task_id: "tool", workflow_id: WF, parent_task_id: "inv", activity_id: "get_weather", subtype: "agent_tool", agent_id: "mcp-weather", source_agent_id: "asst_planner", status: "FINISHED", started_at: 1700000003.5, ended_at: 1700000004 },
  { type: "task", task_id: "plain", workflow_id: WF, activity_id: "load", status: "FINISHED", started_at: 1700000000.5, ended_at: 1700000000.75 },
];

describe("agents in the query API, the workflow summary and the CLI", function () {
  this.timeout(30_000);
  let dir: string;
  let store: string;
  let target: MongoTarget;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "flowcept-agents-"));
    store = join(dir, "store.jsonl");
    writeFileSync(store, AGENTIC.map((r) => JSON.stringify(r)).join("\n") + "\n");
    target = await startMongoTarget();
  });
  after(async () => {
    await target.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function checkDb(db: FlowceptDb): Promise<void> {
    expect(await db.getAgent("asst_planner")).to.include({ agent_id: "asst_planner", name: "planner", version: "2.1.0", model: "gpt-4o" });
    expect((await db.agentQuery({ workflow_id: WF })).map((a) => a.agent_id).sort()).to.deep.equal(["asst_planner", "mcp-weather"]);
    expect((await db.getAgentTasks("asst_planner")).map((t) => t.task_id)).to.deep.equal(["inv", "c1", "c2"]);
    expect((await db.getAgentTasks("asst_planner", { calledBy: true })).map((t) => t.task_id)).to.deep.equal(["inv", "c1", "tool", "c2"]);
    expect(await db.getAgent("nobody")).to.equal(undefined);
  }

  it("Flowcept.db queries by agent over the local store and over MongoDB alike", async () => {
    const local = new FlowceptDb({ backend: new LocalQueryBackend({ path: store }) });
    await checkDb(local);
    const dbName = target.freshDb();
    const exporter = new MongoRecordExporter({ uri: target.uri, dbName });
    await new Promise<void>((resolve, reject) => exporter.export(AGENTIC, (r) => (r.code === 0 ? resolve() : reject(r.error))));
    await exporter.shutdown();
    const mongo = new FlowceptDb({ backend: new MongoQueryBackend({ uri: target.uri, dbName }) });
    try {
      await checkDb(mongo);
    } finally {
      await mongo.close();
    }
  });

  it("the summary counts each agent's tasks, model and tool calls, models and tokens (model calls only: an invocation's are their sum)", () => {
    const tasks = AGENTIC.filter((r) => r.type === "task");
    const s = summarizeWorkflow(AGENTIC[0] as never, tasks, WF, undefined, AGENTIC.filter((r) => r.type === "agent"));
    expect(s.agents).to.deep.equal([
      { agent_id: "asst_planner", name: "planner", tasks: 3, model_calls: 2, tool_calls: 0, models: ["gpt-4o-2024-08-06"], input_tokens: 50, output_tokens: 20, estimated_tokens: true },
      { agent_id: "mcp-weather", tasks: 1, model_calls: 0, tool_calls: 1, models: [], input_tokens: 0, output_tokens: 0, estimated_tokens: false },
    ]);
    expect(formatWorkflowSummary(s)).to.include("asst_planner (planner): 3 tasks, 2 model calls, 0 tool calls, model gpt-4o-2024-08-06, tokens ~50 in / 20 out");
    expect(summarizeWorkflow(undefined, [AGENTIC[7]!], WF)).to.not.have.property("agents");
  });

  it("the CLI's tasks and show display agent, model and tokens", async () => {
    const settings = join(dir, "settings.yaml");
    writeFileSync(settings, `project:\n  dump_buffer:\n    path: ${store}\n`);
    const env = { FLOWCEPT_SETTINGS_PATH: settings };
    const tasks = await runCliProcess(["tasks", WF, "--wide"], env);
    expect(tasks.code, tasks.stderr).to.equal(0);
    const lines = tasks.stdout.trim().split("\n");
    expect(lines[0]).to.match(/^task_id\s+activity_id\s+status\s+parent_task_id\s+started_at\s+duration\s+agent\s+model\s+tokens$/);
    expect(lines.find((l) => l.startsWith("c1 "))).to.match(/asst_planner\s+gpt-4o-2024-08-06\s+31\/9$/);
    expect(lines.find((l) => l.startsWith("c2 "))).to.match(/~19\/11$/);
    expect(lines.find((l) => l.startsWith("tool "))).to.match(/mcp-weather$/);
    const show = await runCliProcess(["show", WF], env);
    expect(show.code, show.stderr).to.equal(0);
    expect(show.stdout).to.include("agents:");
    expect(show.stdout).to.include("mcp-weather: 1 tasks, 0 model calls, 1 tool calls");
  });
});
