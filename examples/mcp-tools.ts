/**
 * MCP agent tools: each tool call is a task (`subtype: "agent_tool"`), and
 * the client sees exactly what it would see without capture; an
 * instrumented client records its calls (`subtype: "mcp_request"`) and
 * carries its context in `params._meta`, so the tool's task is the call's
 * child, even in another process. Needs
 * `npm install @modelcontextprotocol/sdk zod`.
 *
 *   node dist/examples/mcp-tools.js
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import { Flowcept, type TaskRecord } from "flowcept-otel";
import { instrumentMcpClient, instrumentMcpServer } from "flowcept-otel/instrumentations";

// #region mcp
const flowcept = await new Flowcept({ workflowName: "agent", agentId: "calculator" }).start();
const server = instrumentMcpServer(new McpServer({ name: "calc", version: "1.0.0" })); // every tool of this server
server.tool("add", { a: z.number(), b: z.number() }, async ({ a, b }) => ({ content: [{ type: "text" as const, text: String(a + b) }] }));
server.tool("divide", { a: z.number(), b: z.number() }, async ({ a, b }) => {
  if (b === 0) throw new Error("division by zero");
  return { content: [{ type: "text" as const, text: String(a / b) }] };
});
// #endregion mcp

const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
await server.connect(serverSide);
// #region mcp-client
const client = instrumentMcpClient(new Client({ name: "example-client", version: "1.0.0" }));
// #endregion mcp-client
await client.connect(clientSide);
const sum = await client.callTool({ name: "add", arguments: { a: 2, b: 3 } });
const failed = await client.callTool({ name: "divide", arguments: { a: 1, b: 0 } });
await client.close();
await flowcept.stop();

console.log(`add -> ${JSON.stringify(sum.content)}; divide -> isError ${String(failed.isError)}`);
const tools = Flowcept.readBufferFile().filter((r): r is TaskRecord => r.type === "task" && r.subtype === "agent_tool");
for (const t of tools) console.log(`${t.activity_id} ${t.status} agent=${t.agent_id} used=${JSON.stringify(t.used)}`);
const calls = Flowcept.readBufferFile().filter((r): r is TaskRecord => r.type === "task" && r.subtype === "mcp_request");
const add = tools.find((t) => t.activity_id === "add")!;
console.log(`add's parent is ${calls.find((c) => c.task_id === add.parent_task_id)?.activity_id}`);
