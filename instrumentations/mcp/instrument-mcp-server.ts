import { diag } from "@opentelemetry/api";
import { patchRegisteredTool, patchRegistration, toolHandler, type McpServerLike, type McpToolOptions } from "./mcp-server-patch.js";
import { errorMessage } from "../../lib/util/error-message.js";

const instrumented = new WeakSet<object>();

/**
 * Records every tool of one MCP server (`McpServer` of
 * `@modelcontextprotocol/sdk`) as an agent tool task: the tools registered
 * already and those registered later. Returns the server. Use it when the
 * auto-instrumentation cannot be loaded before the SDK; calling it on a
 * server that is already instrumented does nothing.
 */
export function instrumentMcpServer<S extends object>(server: S, options: McpToolOptions = {}): S {
  const s = server as McpServerLike;
  if (instrumented.has(server)) return server;
  try {
    for (const [name, reg] of Object.entries(s._registeredTools ?? {})) {
      reg.handler = toolHandler(s, name, reg.handler, options);
      patchRegisteredTool(s, name, reg, options);
    }
    const opts = () => options;
    if (typeof s.tool === "function") s.tool = patchRegistration(s.tool, opts);
    if (typeof s.registerTool === "function") s.registerTool = patchRegistration(s.registerTool, opts);
    instrumented.add(server);
  } catch (err) {
    diag.error(`flowcept: MCP server not instrumented: ${errorMessage(err)}`);
  }
  return server;
}
