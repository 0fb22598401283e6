import { diag } from "@opentelemetry/api";
import { errorMessage } from "../../lib/util/error-message.js";
import { isPatchedRequest, patchClientRequest, type McpClientLike } from "./mcp-client-patch.js";

const instrumented = new WeakSet<object>();

/**
 * Instruments one MCP client (`Client` of `@modelcontextprotocol/sdk`):
 * every request carries the trace context and baggage of the calling code
 * in `params._meta` (as the MCP semantic conventions say), and each
 * `tools/call` is recorded as a task (`subtype: "mcp_request"`) that the
 * tool's task on an instrumented server — in this process or another —
 * has as its parent, in the caller's workflow. Returns the client. Use it
 * when the auto-instrumentation cannot be loaded before the SDK; calling it
 * again does nothing.
 */
export function instrumentMcpClient<C extends object>(client: C): C {
  const c = client as McpClientLike;
  if (instrumented.has(client)) return client;
  try {
    // A client whose class the auto-instrumentation patched is recorded already.
    if (typeof c.request === "function" && !isPatchedRequest(c.request)) {
      c.request = patchClientRequest(c.request);
      instrumented.add(client);
    }
  } catch (err) {
    diag.error(`flowcept: MCP client not instrumented: ${errorMessage(err)}`);
  }
  return client;
}
