/**
 * An MCP server over stdio, run by the MCP instrumentation tests as
 * `node --import flowcept-otel/register` with `FLOWCEPT_INSTRUMENTATIONS=mcp`:
 * it has no Flowcept code around its tools.
 */
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { z } from "zod";
import { Flowcept } from "flowcept-otel";

const fc = await new Flowcept({ workflowName: "stdio-agent" }).start();
const server = new McpServer({ name: "stdio-calc", version: "2.0.0" });
server.tool("add", { a: z.number(), b: z.number() }, async ({ a, b }) => ({ content: [{ type: "text", text: String(a + b) }] }));
server.registerTool("fail", { inputSchema: { why: z.string() } }, async ({ why }) => {
  throw new Error(`refused: ${why}`);
});
await server.connect(new StdioServerTransport());
process.stdin.on("end", () => void fc.stop());
