/**
 * The attributes of the MCP semantic conventions that Flowcept's MCP spans
 * carry in the trace view (the records keep Flowcept's fields), and the
 * digest that stands for a session id.
 */
import { createHash } from "node:crypto";
import type { Attributes } from "@opentelemetry/api";

/** A session id lets its holder act in the session: spans and records keep only a digest, enough to group calls. */
export function sessionDigest(sessionId: string): string {
  return createHash("sha256").update(sessionId).digest("hex").slice(0, 16);
}

/** `network.transport` of an MCP transport: `pipe` for stdio, `tcp` for the HTTP transports. */
function transportOf(transport: unknown): string | undefined {
  const name = (transport as { constructor?: { name?: unknown } } | undefined)?.constructor?.name;
  if (typeof name !== "string") return undefined;
  if (name.startsWith("Stdio")) return "pipe";
  return /HTTP|SSE|WebSocket/i.test(name) ? "tcp" : undefined;
}

/** The conventions' attributes of one MCP request (`mcp.method.name`, `gen_ai.tool.name`, `jsonrpc.request.id`, `mcp.session.id`…). */
export function mcpAttributes(method: string, toolName: string | undefined, requestId: unknown, sessionId: unknown, transport?: unknown): Attributes {
  const a: Attributes = { "mcp.method.name": method };
  if (toolName !== undefined) {
    a["gen_ai.tool.name"] = toolName;
    a["gen_ai.operation.name"] = "execute_tool";
  }
  if (typeof requestId === "string" || typeof requestId === "number") a["jsonrpc.request.id"] = String(requestId);
  if (typeof sessionId === "string" && sessionId !== "") a["mcp.session.id"] = sessionDigest(sessionId);
  const net = transportOf(transport);
  if (net !== undefined) a["network.transport"] = net;
  return a;
}
