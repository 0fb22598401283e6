/**
 * Tool registration patching shared by the auto-instrumentation (on
 * `McpServer.prototype`) and {@link instrumentMcpServer} (on one server):
 * every handler a server registers, or later swaps in with
 * `registeredTool.update({ callback })`, is wrapped by `agentFlowceptTask`
 * and told its tool name and the server's identity.
 */
import { diag } from "@opentelemetry/api";
import { agentFlowceptTask, toolHostOf, type AgentTaskOptions, type ToolHost } from "./agent-flowcept-task.js";
import { errorMessage } from "../../lib/util/error-message.js";

/** The slice of the SDK's `McpServer` this module touches (structural, so the SDK stays optional). */
export interface McpServerLike {
  server?: { _serverInfo?: { name?: unknown; version?: unknown } };
  _registeredTools?: Record<string, RegisteredToolLike>;
  tool?: (...args: unknown[]) => unknown;
  registerTool?: (...args: unknown[]) => unknown;
}

/** The slice of the SDK's `RegisteredTool` this module touches. */
export interface RegisteredToolLike {
  handler?: unknown;
  update?: (updates: Record<string, unknown>) => unknown;
}

/** Options that apply to every tool of an instrumented server. */
export interface McpToolOptions extends Pick<AgentTaskOptions, "agentId" | "agentName" | "captureTelemetry" | "tags" | "customMetadata"> {}

const UPDATE_PATCHED = Symbol.for("flowcept-otel.mcp.update-patched");

/** The server's identity (`serverInfo`), lent to its tools as their agent. */
function fillHost(host: ToolHost, server: McpServerLike, toolName: string, opts: McpToolOptions): void {
  // The first registration decides (an instance's options come before the class-wide ones).
  if (host.toolName !== undefined) return;
  host.toolName = toolName;
  const info = server.server?._serverInfo;
  const name = typeof info?.name === "string" ? info.name : undefined;
  host.agentId = opts.agentId ?? name;
  host.agentName = opts.agentName ?? name;
  if (typeof info?.version === "string") host.agentMetadata = { mcp_server: name ?? null, mcp_server_version: info.version };
}

/** The handler to register in place of `handler`: wrapped once, host filled in. */
export function toolHandler(server: McpServerLike, toolName: string, handler: unknown, opts: McpToolOptions): unknown {
  if (typeof handler !== "function") return handler;
  try {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const wrapped = toolHostOf(handler) ? handler : agentFlowceptTask(handler as (...a: any[]) => any, { captureTelemetry: opts.captureTelemetry, tags: opts.tags, customMetadata: opts.customMetadata });
    fillHost(toolHostOf(wrapped)!, server, toolName, opts);
    return wrapped;
  } catch (err) {
    diag.error(`flowcept: MCP tool ${toolName} not instrumented: ${errorMessage(err)}`);
    return handler;
  }
}

/** Keeps a registered tool recorded across `update({ callback, name })`. */
export function patchRegisteredTool(server: McpServerLike, toolName: string, reg: unknown, opts: McpToolOptions): void {
  if (reg === null || typeof reg !== "object") return;
  const r = reg as RegisteredToolLike & { [UPDATE_PATCHED]?: boolean };
  if (r[UPDATE_PATCHED] || typeof r.update !== "function") return;
  const original = r.update;
  let name = toolName;
  r.update = function (this: unknown, updates: Record<string, unknown>) {
    try {
      if (updates !== null && typeof updates === "object") {
        if (typeof updates.name === "string") {
          name = updates.name;
          const host = toolHostOf(r.handler);
          if (host) host.toolName = name;
        }
        if (typeof updates.callback === "function") updates = { ...updates, callback: toolHandler(server, name, updates.callback, opts) };
      }
    } catch (err) {
      diag.error(`flowcept: MCP tool update not instrumented: ${errorMessage(err)}`);
    }
    return original.call(this, updates);
  };
  Object.defineProperty(r, UPDATE_PATCHED, { value: true });
}

/** Wraps a registration method (`tool` / `registerTool`): its last function argument is the handler. */
export function patchRegistration<F extends (...args: unknown[]) => unknown>(original: F, opts: () => McpToolOptions): F {
  return function (this: McpServerLike, ...args: unknown[]) {
    const name = args[0];
    let toolName: string | undefined;
    if (typeof name === "string") {
      toolName = name;
      for (let i = args.length - 1; i > 0; i--) {
        if (typeof args[i] === "function") {
          args[i] = toolHandler(this, name, args[i], opts());
          break;
        }
      }
    }
    const registered = original.apply(this, args);
    if (toolName !== undefined) patchRegisteredTool(this, toolName, registered, opts());
    return registered;
  } as F;
}
