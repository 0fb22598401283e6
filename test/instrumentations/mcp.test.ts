import { expect } from "chai";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import * as mcpModule from "@modelcontextprotocol/sdk/server/mcp.js";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { readBufferFile } from "../../exporters/jsonl/buffer-file.js";
import { Flowcept } from "../../lib/capture/Flowcept.js";
import { flowceptTask } from "../../lib/capture/flowcept-task.js";
import type { FlowceptRecord, TaskRecord } from "../../lib/records/records.js";
import * as clientModule from "@modelcontextprotocol/sdk/client/index.js";
import { agentFlowceptTask, instrumentMcpClient, instrumentMcpServer, McpInstrumentation } from "../../instrumentations/mcp/index.js";
import { forgetRecordedAgents } from "../../instrumentations/mcp/agent-record.js";
import { useTempStore } from "../support/temp-store.js";
import { CHILDREN, REPO_ROOT } from "../support/paths.js";
import { otlpReceiver } from "../support/otlp-receiver.js";


type ToolResult = { content: { type: string; text?: string }[]; isError?: boolean; structuredContent?: unknown };

/** A connected server/client pair over the SDK's in-memory transport. */
async function connect(server: McpServer): Promise<Client> {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: "test-client", version: "1.0.0" });
  await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
  return client;
}

/** The same tools on a server of their own: what a client sees with and without capture. */
function calcServer(name = "calc"): McpServer {
  const server = new McpServer({ name, version: "1.2.3" });
  server.tool("add", { a: z.number(), b: z.number() }, async ({ a, b }) => ({ content: [{ type: "text", text: String(a + b) }], structuredContent: undefined }));
  server.registerTool("divide", { inputSchema: { a: z.number(), b: z.number() } }, ({ a, b }) => {
    if (b === 0) return { content: [{ type: "text", text: "division by zero" }], isError: true };
    return { content: [{ type: "text", text: String(a / b) }] };
  });
  server.tool("explode", async () => {
    throw new Error("tool blew up");
  });
  return server;
}

async function callAll(client: Client): Promise<unknown[]> {
  return [
    await client.callTool({ name: "add", arguments: { a: 2, b: 3 } }),
    await client.callTool({ name: "divide", arguments: { a: 1, b: 0 } }),
    await client.callTool({ name: "explode", arguments: {} }),
    await client.callTool({ name: "add", arguments: { a: "x", b: 3 } }),
  ];
}

function agents(records: FlowceptRecord[]): FlowceptRecord[] {
  return records.filter((r) => r.type === "agent");
}

describe("MCP instrumentation", () => {
  const store = useTempStore();
  beforeEach(() => forgetRecordedAgents());

  it("agentFlowceptTask records a tool call: used, generated, agent, request and session ids", async () => {
    const server = new McpServer({ name: "wrapped", version: "0.1.0" });
    server.tool(
      "greet",
      { who: z.string(), campaign_id: z.string().optional() },
      agentFlowceptTask(async ({ who }: { who: string }) => ({ content: [{ type: "text", text: `hello ${who}` }] }), { activityId: "greet", agentId: "agent-7", agentName: "greeter", tags: ["mcp"] }),
    );
    let workflowId = "";
    await Flowcept.run({ workflowName: "agentic" }, async (fc) => {
      workflowId = fc.workflowId;
      const client = await connect(server);
      const r = (await client.callTool({ name: "greet", arguments: { who: "ada", campaign_id: "camp-1" } })) as ToolResult;
      expect(r.content[0]!.text).to.equal("hello ada");
      await client.close();
    });
    const records = await store.read();
    const [t] = records.filter((r): r is TaskRecord => r.type === "task" && r.activity_id === "greet");
    expect(t).to.exist;
    expect(t!.subtype).to.equal("agent_tool");
    expect(t!.used).to.deep.equal({ who: "ada" });
    expect(t!.campaign_id).to.equal("camp-1");
    expect(t!.workflow_id).to.equal(workflowId);
    expect(t!.generated).to.deep.equal({ content: [{ type: "text", text: "hello ada" }] });
    expect(t!.agent_id).to.equal("agent-7");
    expect(t!.tags).to.deep.equal(["mcp"]);
    expect(t!.status).to.equal("FINISHED");
    expect(t!.custom_metadata).to.have.property("mcp_request_id").that.is.a("number");
    const [a] = agents(records);
    expect(a).to.include({ type: "agent", agent_id: "agent-7", name: "greeter", workflow_id: workflowId, campaign_id: "camp-1" });
    expect(a!.registered_at).to.be.a("number");
  });

  it("auto-instrumentation records every tool; clients see exactly what they see without it", async () => {
    const plainClient = await connect(calcServer());
    const expected = await callAll(plainClient);
    await plainClient.close();

    const instr = new McpInstrumentation();
    instr.patchClass(mcpModule as never);
    try {
      const server = calcServer("calc-server");
      let seen: unknown[] = [];
      await Flowcept.run({ workflowName: "auto", agentId: "wf-agent" }, async () => {
        const client = await connect(server);
        seen = await callAll(client);
        await client.close();
      });
      expect(seen).to.deep.equal(expected);
      const records = await store.read();
      const tasks = records.filter((r): r is TaskRecord => r.type === "task" && r.subtype === "agent_tool");
      expect(tasks.map((t) => t.activity_id).sort()).to.deep.equal(["add", "divide", "explode"]);
      const add = tasks.find((t) => t.activity_id === "add")!;
      expect(add.used).to.deep.equal({ a: 2, b: 3 });
      expect(add.generated).to.deep.equal({ content: [{ type: "text", text: "5" }] });
      expect(add.agent_id).to.equal("calc-server");
      const divide = tasks.find((t) => t.activity_id === "divide")!;
      expect(divide.status).to.equal("ERROR");
      expect(divide.stderr).to.equal("division by zero");
      expect(divide.generated).to.deep.include({ isError: true });
      const explode = tasks.find((t) => t.activity_id === "explode")!;
      expect(explode.status).to.equal("ERROR");
      expect(explode.stderr).to.equal("tool blew up");
      const [agent] = agents(records);
      expect(agent).to.include({ agent_id: "calc-server", name: "calc-server" });
      expect(agents(records)).to.have.length(1);
    } finally {
      instr.disable();
    }
    expect(McpServer.prototype.tool).to.not.have.property("__wrapped");
  });

  it("instrumentMcpServer covers tools registered before and after, renamed and replaced handlers", async () => {
    const server = new McpServer({ name: "late", version: "1.0.0" });
    const before = server.tool("before", async () => ({ content: [{ type: "text", text: "b" }] }));
    instrumentMcpServer(server, { agentId: "late-agent" });
    server.tool("after", async () => ({ content: [{ type: "text", text: "a" }] }));
    before.update({ name: "renamed", callback: async () => ({ content: [{ type: "text", text: "r" }] }) });
    await Flowcept.run({ workflowName: "late" }, async () => {
      const client = await connect(server);
      expect(((await client.callTool({ name: "renamed" })) as ToolResult).content[0]!.text).to.equal("r");
      await client.callTool({ name: "after" });
      await client.close();
    });
    const tasks = (await store.tasks()).filter((t) => t.subtype === "agent_tool");
    expect(tasks.map((t) => t.activity_id).sort()).to.deep.equal(["after", "renamed"]);
    expect(tasks.every((t) => t.agent_id === "late-agent")).to.equal(true);
  });

  it("a task inside a tool is the tool task's child; the workflow's agentId is the fallback", async () => {
    const inner = flowceptTask(function lookup(q: string) {
      return q.length;
    });
    const handler = agentFlowceptTask(function search({ q }: { q: string }) {
      return { content: [{ type: "text" as const, text: String(inner(q)) }] };
    });
    await Flowcept.run({ workflowName: "nested", agentId: "controller-agent" }, async () => {
      const server = new McpServer({ name: "nested", version: "1" });
      server.tool("search", { q: z.string() }, handler);
      const client = await connect(server);
      await client.callTool({ name: "search", arguments: { q: "abc" } });
      await client.close();
    });
    const tasks = await store.tasks();
    const tool = tasks.find((t) => t.activity_id === "search")!;
    const lookup = tasks.find((t) => t.activity_id === "lookup")!;
    expect(lookup.parent_task_id).to.equal(tool.task_id);
    // Without server instrumentation the wrapper cannot see the server: the workflow's agent is used.
    expect(tool.agent_id).to.equal("controller-agent");
  });

  it("records tools of a stdio server started with --import flowcept-otel/register and FLOWCEPT_INSTRUMENTATIONS=mcp", async function () {
    this.timeout(30000);
    const dir = mkdtempSync(join(tmpdir(), "flowcept-mcp-"));
    try {
      const { buffer, transport } = stdioServer(dir);
      const client = new Client({ name: "stdio-client", version: "1.0.0" });
      await client.connect(transport);
      const ok = (await client.callTool({ name: "add", arguments: { a: 40, b: 2 } })) as ToolResult;
      const bad = (await client.callTool({ name: "fail", arguments: { why: "no" } })) as ToolResult;
      expect(ok.content[0]!.text).to.equal("42");
      expect(bad).to.deep.equal({ content: [{ type: "text", text: "refused: no" }], isError: true });
      const exited = new Promise<void>((resolve) => (transport.onclose = () => resolve()));
      await client.close();
      await exited;
      const records = await waitForRecords(buffer, (rs) => rs.some((r) => r.type === "workflow" && r.status === "FINISHED"));
      const tasks = records.filter((r): r is TaskRecord => r.type === "task");
      const add = tasks.find((t) => t.activity_id === "add")!;
      expect(add).to.include({ subtype: "agent_tool", status: "FINISHED", agent_id: "stdio-calc" });
      expect(add.used).to.deep.equal({ a: 40, b: 2 });
      const fail = tasks.find((t) => t.activity_id === "fail")!;
      expect(fail).to.include({ status: "ERROR", stderr: "refused: no" });
      const wf = records.find((r) => r.type === "workflow")!;
      expect(add.workflow_id).to.equal(wf.workflow_id);
      expect(agents(records).map((a) => a.agent_id)).to.deep.equal(["stdio-calc"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("MCP context across processes (params._meta, as the MCP semantic conventions say)", () => {
  const store = useTempStore();
  beforeEach(() => forgetRecordedAgents());

  it("stdio between two real processes: the tool's task is in the caller's workflow, under the calling task, with the calling agent as source", async function () {
    this.timeout(30000);
    const dir = mkdtempSync(join(tmpdir(), "flowcept-mcp-"));
    const traces = await otlpReceiver();
    try {
      const { buffer, transport } = stdioServer(dir, { OTEL_EXPORTER_OTLP_ENDPOINT: traces.url });
      const client = instrumentMcpClient(new Client({ name: "planner-client", version: "1.0.0" }));
      let workflowId = "";
      let answer: ToolResult | undefined;
      await Flowcept.run({ workflowName: "caller", agentId: "planner" }, async (fc) => {
        workflowId = fc.workflowId;
        await client.connect(transport);
        const plan = flowceptTask(async function plan(a: number, b: number) {
          return ((await client.callTool({ name: "add", arguments: { a, b } })) as ToolResult).content[0]!.text;
        });
        answer = { content: [{ type: "text", text: await plan(40, 2) }] };
        const exited = new Promise<void>((resolve) => (transport.onclose = () => resolve()));
        await client.close();
        await exited;
      });
      expect(answer!.content[0]!.text).to.equal("42");
      const mine = await store.tasks();
      const planTask = mine.find((t) => t.activity_id === "plan")!;
      const call = mine.find((t) => t.activity_id === "tools/call add")!;
      expect(call).to.include({ subtype: "mcp_request", workflow_id: workflowId, parent_task_id: planTask.task_id, agent_id: "planner", status: "FINISHED" });
      expect(call.used).to.deep.equal({ a: 40, b: 2 });
      expect(call.generated).to.deep.equal({ content: [{ type: "text", text: "42" }] });
      expect(call.custom_metadata).to.deep.include({ mcp_server: "stdio-calc" });
      const theirs = await waitForRecords(buffer, (rs) => rs.some((r) => r.type === "task" && r.activity_id === "add" && r.status === "FINISHED"));
      const add = theirs.find((r): r is TaskRecord => r.type === "task" && r.activity_id === "add")!;
      expect(add).to.include({ subtype: "agent_tool", workflow_id: workflowId, parent_task_id: call.task_id, agent_id: "stdio-calc", source_agent_id: "planner" });
      expect(add.used).to.deep.equal({ a: 40, b: 2 });
      // The server's span in the trace view: the MCP conventions' name, kind and attributes, child of the client's span.
      const [traceId, clientSpanId] = call.task_id.split("-");
      const span = traces.spans.find((s) => s.name === "tools/call add")!;
      expect(span, "server span exported").to.exist;
      expect(span).to.include({ kind: 1, traceId, parentSpanId: clientSpanId });
      expect(span.attributes).to.include({ "mcp.method.name": "tools/call", "gen_ai.tool.name": "add", "gen_ai.operation.name": "execute_tool" });
      expect(span.attributes["jsonrpc.request.id"]).to.be.a("string");
    } finally {
      await traces.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a hostile or malformed params._meta changes nothing for the tool and leaves its task in the server's workflow", async () => {
    const server = instrumentMcpServer(calcServer("calc-hostile"));
    let workflowId = "";
    let result: unknown;
    await Flowcept.run({ workflowName: "server-side" }, async (fc) => {
      workflowId = fc.workflowId;
      const client = await connect(server);
      result = await client.callTool({ name: "add", arguments: { a: 1, b: 2 }, _meta: { traceparent: "00-zz-not-a-trace", baggage: `flowcept.workflow_id=${"x".repeat(20_000)}`, tracestate: 42 } });
      await client.close();
    });
    expect((result as ToolResult).content).to.deep.equal([{ type: "text", text: "3" }]);
    const add = (await store.tasks()).find((t) => t.activity_id === "add")!;
    expect(add).to.include({ workflow_id: workflowId, status: "FINISHED" });
  });

  it("in one process, through the auto-instrumentation: the same tree, and the client sees exactly what it sees without capture", async () => {
    const plainClient = await connect(calcServer());
    const expected = await callAll(plainClient);
    await plainClient.close();
    const instr = new McpInstrumentation();
    instr.patchClass(mcpModule as never);
    instr.patchClientClass(clientModule as never);
    try {
      let seen: unknown[] = [];
      await Flowcept.run({ workflowName: "in-process", agentId: "caller-agent" }, async () => {
        const client = await connect(calcServer("calc-server"));
        // Patched already through its class: not patched twice.
        instrumentMcpClient(client);
        seen = await callAll(client);
        await client.close();
      });
      expect(seen).to.deep.equal(expected);
      const tasks = await store.tasks();
      const calls = tasks.filter((t) => t.subtype === "mcp_request");
      expect(calls.map((t) => t.activity_id).sort()).to.deep.equal(["tools/call add", "tools/call add", "tools/call divide", "tools/call explode"]);
      for (const tool of tasks.filter((t) => t.subtype === "agent_tool")) {
        const parent = calls.find((c) => c.task_id === tool.parent_task_id);
        expect(parent?.activity_id, tool.activity_id).to.equal(`tools/call ${tool.activity_id}`);
        expect(tool.source_agent_id).to.equal("caller-agent");
      }
      const divide = calls.find((c) => c.activity_id === "tools/call divide")!;
      expect(divide).to.include({ status: "ERROR", stderr: "division by zero" });
    } finally {
      instr.disable();
    }
    expect((clientModule.Client.prototype.request as { __wrapped?: boolean }).__wrapped).to.not.equal(true);
  });
});

/**
 * The stdio MCP server of test/children, as `node --import flowcept-otel/register` with
 * `FLOWCEPT_INSTRUMENTATIONS=mcp`, writing its records to a store in `dir`.
 */
function stdioServer(dir: string, env: Record<string, string> = {}): { buffer: string; transport: StdioClientTransport } {
  const buffer = join(dir, "server-buffer.jsonl");
  const settings = join(dir, "settings.yaml");
  writeFileSync(settings, `project:\n  dump_buffer:\n    path: ${JSON.stringify(buffer)}\n`);
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: ["--import", "flowcept-otel/register", join(CHILDREN, "mcp-stdio-server.js")],
    cwd: REPO_ROOT,
    env: { FLOWCEPT_INSTRUMENTATIONS: "mcp", FLOWCEPT_SETTINGS_PATH: settings, ...env },
    stderr: "pipe",
  });
  return { buffer, transport };
}

/** Reads a buffer file written by another process, until `done` holds (the process flushes at exit). */
async function waitForRecords(path: string, done: (rs: FlowceptRecord[]) => boolean): Promise<FlowceptRecord[]> {
  for (let i = 0; i < 100; i++) {
    let rs: FlowceptRecord[] = [];
    try {
      rs = readBufferFile(path);
    } catch {
      // not written yet
    }
    if (done(rs)) return rs;
    await new Promise((r) => setTimeout(r, 50));
  }
  return readBufferFile(path);
}
