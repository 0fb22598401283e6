export { agentFlowceptTask, AGENT_TOOL } from "./agent-flowcept-task.js";
export type { AgentTaskOptions } from "./agent-flowcept-task.js";
export { instrumentMcpServer } from "./instrument-mcp-server.js";
export type { McpToolOptions } from "./mcp-server-patch.js";
export { McpInstrumentation, MCP_ESM_PATTERNS } from "./McpInstrumentation.js";
export type { McpInstrumentationConfig } from "./McpInstrumentation.js";
export { instrumentMcpClient } from "./instrument-mcp-client.js";
