/**
 * The words agent records use: task subtypes of Flowcept's PROV-AGENT
 * vocabulary (`flowcept.commons.vocabulary.PROV_AGENT`) and of this package
 * where Flowcept has none, where token counts come from, and the marker of
 * content a library did not put on its spans.
 */

/** Task subtypes of agentic work. */
export const AGENT_SUBTYPE = {
  /** One model call, prompt → response (Flowcept's `PROV_AGENT.AI_MODEL_INVOCATION`). */
  AI_MODEL_INVOCATION: "ai_model_invocation",
  /** One tool execution by an agent (Flowcept's `PROV_AGENT.AGENT_TOOL`). */
  AGENT_TOOL: "agent_tool",
  /** One invocation of an agent: the run that makes its model and tool calls. */
  AGENT_INVOCATION: "agent_invocation",
  /** A request an MCP client sent to a server (the server records the tool's execution). */
  MCP_REQUEST: "mcp_request",
} as const;

/** Subtypes whose tasks are model calls: Flowcept's, and `llm_query`, which older Flowcept versions wrote. */
export const MODEL_CALL_SUBTYPES: ReadonlySet<string> = new Set([AGENT_SUBTYPE.AI_MODEL_INVOCATION, "llm_query"]);

/** Where a task's token counts come from (`custom_metadata.llm_usage.token_count_source`, as Flowcept writes it). */
export const TOKEN_SOURCE = {
  /** Reported by the model provider (on the span). */
  PROVIDER: "provider",
  /** Not reported: estimated as one token per four characters of the recorded content. */
  ESTIMATED: "estimated_from_chars",
} as const;

/**
 * Written where a prompt, response, tool argument or tool result would be
 * when the library did not record content on its spans (content capture is
 * opt-in in the GenAI conventions and in most libraries).
 */
export const NOT_CAPTURED = "[not captured]";

/** Written where the library itself hid the content (OpenInference's `OPENINFERENCE_HIDE_*`). */
export const HIDDEN_BY_LIBRARY = "[hidden by the instrumentation]";
