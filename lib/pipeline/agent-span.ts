/**
 * Which spans of other instrumentations stand for agentic work, and whose
 * agent they are: spans of the OTel GenAI semantic conventions (current and
 * previous attribute names), of OpenInference, of the Vercel AI SDK's
 * telemetry, and of the MCP conventions. Reads a handful of attributes, so
 * the processor can ask it when a span starts.
 */
import type { Attributes } from "@opentelemetry/api";

/** What an agentic span stands for. */
export type AgentSpanRole = "model" | "tool" | "agent" | "mcp_request";

const SPAN_KIND_SERVER = 1;
const SPAN_KIND_CLIENT = 2;

const GENAI_ROLES: Record<string, AgentSpanRole> = {
  chat: "model",
  text_completion: "model",
  generate_content: "model",
  embeddings: "model",
  execute_tool: "tool",
  invoke_agent: "agent",
};

const OPENINFERENCE_ROLES: Record<string, AgentSpanRole> = { LLM: "model", EMBEDDING: "model", TOOL: "tool", AGENT: "agent" };

/** The Vercel AI SDK's calls that run a model, and may run tools, in a loop (the SDK has no agent span of its own). */
const AI_SDK_CALLS = new Set(["ai.generateText", "ai.streamText", "ai.generateObject", "ai.streamObject"]);

function aiSdkRole(op: string): AgentSpanRole | undefined {
  if (op === "ai.toolCall") return "tool";
  if (op.endsWith(".doGenerate") || op.endsWith(".doStream") || op.endsWith(".doEmbed")) return "model";
  return AI_SDK_CALLS.has(op) ? "agent" : undefined;
}

/**
 * The role of a span by the conventions it follows, or undefined for a span
 * that is no agentic work. `kind` is the span's `SpanKind` number: an MCP
 * call seen from the client is a request, from the server an execution.
 */
export function agentSpanRole(attrs: Attributes, kind: number): AgentSpanRole | undefined {
  const mcp = attrs["mcp.method.name"];
  if (typeof mcp === "string") {
    if (kind === SPAN_KIND_CLIENT) return "mcp_request";
    if (kind === SPAN_KIND_SERVER && mcp === "tools/call") return "tool";
  }
  const op = attrs["gen_ai.operation.name"];
  if (typeof op === "string") return GENAI_ROLES[op];
  const oi = attrs["openinference.span.kind"];
  if (typeof oi === "string") return OPENINFERENCE_ROLES[oi.toUpperCase()];
  const ai = attrs["ai.operationId"];
  if (typeof ai === "string") return aiSdkRole(ai);
  // Previous conventions: a model call named by its provider only (`gen_ai.system`, no operation name).
  if (attrs["gen_ai.system"] !== undefined || attrs["gen_ai.provider.name"] !== undefined) return "model";
  return undefined;
}

/** An agent as a span names it. */
export interface AgentIdentity {
  id: string;
  name?: string;
  version?: string;
  description?: string;
}

function str(attrs: Attributes, key: string): string | undefined {
  const v = attrs[key];
  return typeof v === "string" && v !== "" ? v : undefined;
}

/**
 * The agent a span names itself: `gen_ai.agent.id` (else its name),
 * OpenInference's `agent.name`, or the Vercel AI SDK's telemetry
 * `functionId` (the SDK's only name for what runs its calls).
 */
export function agentIdentity(attrs: Attributes): AgentIdentity | undefined {
  const name = str(attrs, "gen_ai.agent.name") ?? str(attrs, "agent.name") ?? str(attrs, "ai.telemetry.functionId");
  const id = str(attrs, "gen_ai.agent.id") ?? name;
  if (id === undefined) return undefined;
  const out: AgentIdentity = { id };
  if (name !== undefined) out.name = name;
  const version = str(attrs, "gen_ai.agent.version");
  if (version !== undefined) out.version = version;
  const description = str(attrs, "gen_ai.agent.description");
  if (description !== undefined) out.description = description;
  return out;
}
