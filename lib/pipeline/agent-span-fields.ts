/**
 * The record fields of an agentic span (see `agent-span.ts`): model calls,
 * tool calls, agent invocations and MCP requests become Flowcept agent
 * tasks. One table, for the OTel GenAI conventions (current and previous
 * names), OpenInference and the Vercel AI SDK; docs/agentic-provenance.md
 * lists it attribute by attribute. Content (prompts, responses, tool
 * arguments and results) is recorded when the library put it on the span,
 * converted and redacted as every recorded value; when it did not, the
 * record says so ({@link NOT_CAPTURED}).
 */
import type { Attributes, AttributeValue } from "@opentelemetry/api";
import { AGENT_SUBTYPE, HIDDEN_BY_LIBRARY, NOT_CAPTURED, TOKEN_SOURCE } from "../records/agent-vocabulary.js";
import { DEFAULT_LIMITS, toJsonSafe, type JsonSafeLimits } from "../records/json-safe.js";
import type { JsonObject, JsonValue } from "../records/records.js";
import { agentIdentity, type AgentSpanRole } from "./agent-span.js";
import { indexedList } from "./indexed-attributes.js";
import { setOwn } from "../util/own-property.js";
import type { SpanData } from "./span-data.js";

/** What the mapping takes from an agentic span. */
export interface AgentTaskFields {
  subtype: string;
  /** The tool's name for tool calls; else undefined (the span name is kept). */
  activityId?: string;
  used: JsonObject;
  generated?: JsonObject;
  /** `llm_usage`, the tool call id, the agent's name… and the span's other attributes under `span_attributes`. */
  customMetadata: JsonObject;
  /** The agent the span names itself (else the one stamped by the processor applies). */
  agentId?: string;
  /** Why the span failed, when its status carries no message (`error.type`). */
  errorType?: string;
}

/** OpenInference's `OPENINFERENCE_HIDE_*` value. */
const OPENINFERENCE_REDACTED = "__REDACTED__";
const SPAN_STATUS_ERROR = 2;

/** Reads attributes and remembers which ones it read, so the others are kept apart. */
class AttrReader {
  readonly consumed = new Set<string>();
  readonly prefixes: string[] = [];
  constructor(readonly attrs: Attributes) {}

  consume = (key: string): void => {
    this.consumed.add(key);
  };

  /** The first of `keys` that is set. */
  raw(...keys: string[]): AttributeValue | undefined {
    let found: AttributeValue | undefined;
    for (const k of keys) {
      this.consumed.add(k);
      const v = this.attrs[k];
      if (found === undefined && v !== undefined && v !== null && v !== "") found = v;
    }
    return found;
  }

  str(...keys: string[]): string | undefined {
    const v = this.raw(...keys);
    return typeof v === "string" ? v : typeof v === "number" ? String(v) : undefined;
  }

  num(...keys: string[]): number | undefined {
    const v = this.raw(...keys);
    if (typeof v === "number" && Number.isFinite(v)) return v;
    if (typeof v === "string" && /^\d+$/.test(v)) return Number(v);
    return undefined;
  }

  /** Every attribute under `prefix`, keyed by the rest of its name. */
  under(prefix: string): JsonObject | undefined {
    let out: JsonObject | undefined;
    this.prefixes.push(prefix);
    for (const key in this.attrs) {
      if (!key.startsWith(prefix)) continue;
      const v = this.attrs[key];
      if (v !== undefined) setOwn((out ??= {}), key.slice(prefix.length), Array.isArray(v) ? [...v] : v);
    }
    return out;
  }

  /** The indexed list under `prefix` (see `indexed-attributes.ts`). */
  list(prefix: string): { value: JsonValue; chars: number } | undefined {
    this.prefixes.push(prefix);
    return indexedList(this.attrs, prefix, this.consume);
  }

  isConsumed(key: string): boolean {
    return this.consumed.has(key) || this.prefixes.some((p) => key.startsWith(p));
  }
}

/** Characters of the text in a value: its strings' lengths, summed (what a token estimate counts). */
function textChars(v: unknown): number {
  if (typeof v === "string") return v.length;
  if (v === null || typeof v !== "object") return 0;
  let n = 0;
  for (const x of Array.isArray(v) ? v : Object.values(v)) n += textChars(x);
  return n;
}

/** Content as recorded: JSON text parsed, then converted and redacted like any recorded value; with its length in characters of text. */
interface Content {
  value: JsonValue;
  chars: number;
}

function content(v: AttributeValue | undefined, limits: JsonSafeLimits): Content | undefined {
  if (v === undefined || v === null) return undefined;
  if (v === OPENINFERENCE_REDACTED) return { value: HIDDEN_BY_LIBRARY, chars: 0 };
  if (typeof v !== "string") return { value: toJsonSafe(Array.isArray(v) ? [...v] : v, limits), chars: textChars(v) };
  const c = v.trimStart()[0];
  if (c === "{" || c === "[" || c === '"') {
    try {
      const parsed: unknown = JSON.parse(v);
      return { value: toJsonSafe(parsed, limits), chars: textChars(parsed) };
    } catch {
      // text that only looks like JSON
    }
  }
  return { value: toJsonSafe(v, limits), chars: v.length };
}

function firstContent(r: AttrReader, keys: readonly string[], limits: JsonSafeLimits): Content | undefined {
  return content(r.raw(...keys), limits);
}

/** A list read back from indexed attributes (`llm.input_messages.0.message.content`…), converted as recorded values are. */
function listContent(r: AttrReader, prefix: string, limits: JsonSafeLimits): Content | undefined {
  const l = r.list(prefix);
  return l === undefined ? undefined : { value: toJsonSafe(l.value, limits), chars: l.chars };
}

function isObject(v: JsonValue | undefined): v is JsonObject {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** Flowcept's estimate: one token per four characters, at least one for any text. */
function estimateTokens(chars: number | undefined): number | undefined {
  if (chars === undefined) return undefined;
  return chars > 0 ? Math.max(1, Math.round(chars / 4)) : 0;
}

const PROMPT_KEYS = ["gen_ai.input.messages", "gen_ai.prompt", "ai.prompt.messages", "ai.prompt"];
const RESPONSE_KEYS = ["gen_ai.output.messages", "gen_ai.completion", "ai.response.text", "ai.response.object"];
const REQUEST_MODEL_KEYS = ["gen_ai.request.model", "ai.model.id", "llm.request.model_name"];
/** OpenInference's model name is the response's once the call returns: the request's is in the invocation parameters. */
const LAST_MODEL_KEYS = ["embedding.model_name", "llm.model_name"];
const RESPONSE_MODEL_KEYS = ["gen_ai.response.model", "ai.response.model", "llm.response.model_name", "llm.model_name"];
const PROVIDER_KEYS = ["gen_ai.provider.name", "gen_ai.system", "ai.model.provider", "llm.provider", "llm.system"];

/** Where a model call's input or output is, in order: JSON attributes, indexed lists, OpenInference's value. */
interface ContentSource {
  keys: readonly string[];
  lists: readonly string[];
  value: string;
}

const PROMPT: ContentSource = { keys: PROMPT_KEYS, lists: ["gen_ai.prompt.", "llm.input_messages."], value: "input.value" };
const RESPONSE: ContentSource = { keys: RESPONSE_KEYS, lists: ["gen_ai.completion.", "llm.output_messages."], value: "output.value" };

function contentOf(r: AttrReader, source: ContentSource, limits: JsonSafeLimits): Content | undefined {
  let c = firstContent(r, source.keys, limits);
  for (const prefix of source.lists) c ??= listContent(r, prefix, limits);
  return c ?? firstContent(r, [source.value], limits);
}

/** Request settings: `gen_ai.request.*`, OpenInference's invocation parameters, or the AI SDK's settings. */
function parameters(r: AttrReader, limits: JsonSafeLimits): JsonObject {
  const genai = r.under("gen_ai.request.");
  const oi = content(r.raw("llm.invocation_parameters"), limits)?.value;
  const sdk = r.under("ai.settings.");
  return { ...(isObject(oi) ? oi : undefined), ...sdk, ...genai };
}

/** The model asked for, and the request settings without it. */
function requestModel(r: AttrReader, params: JsonObject): string | undefined {
  const fromParams = typeof params.model === "string" ? params.model : undefined;
  delete params.model;
  return r.str(...REQUEST_MODEL_KEYS) ?? fromParams ?? r.str(...LAST_MODEL_KEYS);
}

/** Names of the tools offered to the model (their schemas are left out: large, and the same on every call). */
function toolNames(r: AttrReader): string[] | undefined {
  const names: string[] = [];
  const add = (def: unknown): void => {
    let d = def;
    if (typeof d === "string") {
      try {
        d = JSON.parse(d);
      } catch {
        return;
      }
    }
    const o = d as { name?: unknown; function?: { name?: unknown } } | null;
    const name = typeof o?.name === "string" ? o.name : typeof o?.function?.name === "string" ? o.function.name : undefined;
    if (name !== undefined) names.push(name);
  };
  const genai = r.raw("gen_ai.tool.definitions");
  if (typeof genai === "string") {
    try {
      const defs = JSON.parse(genai) as unknown;
      if (Array.isArray(defs)) defs.forEach(add);
    } catch {
      // not JSON: no names
    }
  }
  const sdk = r.raw("ai.prompt.tools");
  if (Array.isArray(sdk)) sdk.forEach(add);
  const oi = r.list("llm.tools.");
  if (oi !== undefined && Array.isArray(oi.value)) for (const t of oi.value) add(isObject(t) ? (t.json_schema ?? t) : t);
  return names.length ? names : undefined;
}

function finishReasons(r: AttrReader, completions: JsonValue | undefined): string[] | undefined {
  const v = r.raw("gen_ai.response.finish_reasons", "ai.response.finishReason", "llm.finish_reason");
  if (typeof v === "string") return [v];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === "string");
  // Previous conventions: one reason per indexed completion.
  if (Array.isArray(completions)) {
    const rs = completions.map((c) => (isObject(c) && typeof c.finish_reason === "string" ? c.finish_reason : undefined)).filter((x): x is string => x !== undefined);
    return rs.length ? rs : undefined;
  }
  return undefined;
}

/**
 * Token counts as Flowcept's `llm_usage` holds them, with their source: the
 * provider's counts when the span has any, else an estimate from the
 * recorded content, else none.
 */
function llmUsage(r: AttrReader, input: Content | undefined, output: Content | undefined, estimate: boolean): JsonObject | undefined {
  let inTokens = r.num("gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens", "ai.usage.inputTokens", "ai.usage.promptTokens", "llm.token_count.prompt");
  let outTokens = r.num("gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens", "ai.usage.outputTokens", "ai.usage.completionTokens", "llm.token_count.completion");
  let total = r.num("gen_ai.usage.total_tokens", "llm.usage.total_tokens", "ai.usage.totalTokens", "llm.token_count.total");
  const fromProvider = inTokens !== undefined || outTokens !== undefined || total !== undefined;
  const usage: JsonObject = {};
  if (!fromProvider) {
    if (!estimate || (input === undefined && output === undefined)) return undefined;
    inTokens = estimateTokens(input?.chars);
    outTokens = estimateTokens(output?.chars);
    if (input !== undefined) usage.input_chars = input.chars;
    if (output !== undefined) usage.output_chars = output.chars;
  }
  if (total === undefined && inTokens !== undefined && outTokens !== undefined) total = inTokens + outTokens;
  if (inTokens !== undefined) usage.input_tokens = inTokens;
  if (outTokens !== undefined) usage.output_tokens = outTokens;
  if (total !== undefined) usage.total_tokens = total;
  const cached = r.num("gen_ai.usage.cache_read.input_tokens", "ai.usage.inputTokenDetails.cacheReadTokens", "ai.usage.cachedInputTokens", "llm.token_count.prompt_details.cache_read");
  if (cached !== undefined) usage.cache_read_input_tokens = cached;
  const reasoning = r.num("gen_ai.usage.reasoning.output_tokens", "ai.usage.outputTokenDetails.reasoningTokens", "ai.usage.reasoningTokens", "llm.token_count.completion_details.reasoning");
  if (reasoning !== undefined) usage.reasoning_output_tokens = reasoning;
  usage.token_count_source = fromProvider ? TOKEN_SOURCE.PROVIDER : TOKEN_SOURCE.ESTIMATED;
  return usage;
}

function put(o: JsonObject, key: string, v: JsonValue | undefined): void {
  if (v !== undefined) o[key] = v;
}

function modelCall(_span: SpanData, r: AttrReader, limits: JsonSafeLimits, failed: boolean): AgentTaskFields {
  const input = contentOf(r, PROMPT, limits);
  const output = contentOf(r, RESPONSE, limits);
  const toolCalls = firstContent(r, ["ai.response.toolCalls"], limits);
  const used: JsonObject = { prompt: input?.value ?? NOT_CAPTURED };
  put(used, "system_instructions", firstContent(r, ["gen_ai.system_instructions"], limits)?.value);
  const params = parameters(r, limits);
  const model = requestModel(r, params);
  const provider = r.str(...PROVIDER_KEYS);
  put(used, "model", model);
  put(used, "provider", provider);
  if (Object.keys(params).length) used.parameters = params;
  put(used, "tools", toolNames(r));
  let generated: JsonObject | undefined;
  if (output !== undefined || toolCalls !== undefined) {
    generated = {};
    put(generated, "response", output?.value);
    put(generated, "tool_calls", toolCalls?.value);
  } else if (!failed) generated = { response: NOT_CAPTURED };
  const usage = llmUsage(r, input, output ?? toolCalls, true) ?? {};
  put(usage, "model", r.str(...RESPONSE_MODEL_KEYS) ?? model);
  put(usage, "provider", provider);
  const reasons = finishReasons(r, output?.value);
  if (reasons?.length) {
    usage.finish_reason = reasons.length === 1 ? reasons[0]! : reasons.join(",");
    usage.finish_reasons = reasons;
  }
  put(usage, "provider_request_id", r.str("gen_ai.response.id", "ai.response.id"));
  return { subtype: AGENT_SUBTYPE.AI_MODEL_INVOCATION, used, generated, customMetadata: { llm_usage: usage } };
}

/** A tool's arguments or result: an object as it is, anything else under `key`. */
function asObject(c: Content | undefined, key: string): JsonObject | undefined {
  if (c === undefined) return undefined;
  return isObject(c.value) ? c.value : { [key]: c.value };
}

function toolCall(span: SpanData, r: AttrReader, limits: JsonSafeLimits, failed: boolean): AgentTaskFields {
  const name = r.str("gen_ai.tool.name", "ai.toolCall.name", "tool.name");
  const args = firstContent(r, ["gen_ai.tool.call.arguments", "ai.toolCall.args", "ai.toolCall.input", "input.value"], limits);
  const result = firstContent(r, ["gen_ai.tool.call.result", "ai.toolCall.result", "ai.toolCall.output", "output.value"], limits);
  const used = asObject(args, "arguments") ?? { arguments: NOT_CAPTURED };
  const generated = asObject(result, "result") ?? (failed ? undefined : { result: NOT_CAPTURED });
  const custom: JsonObject = {};
  put(custom, "tool_call_id", r.str("gen_ai.tool.call.id", "ai.toolCall.id", "tool_call.id", "tool.id"));
  put(custom, "tool_type", r.str("gen_ai.tool.type"));
  put(custom, "tool_description", r.str("gen_ai.tool.description", "tool.description"));
  put(custom, "mcp_method", r.str("mcp.method.name"));
  put(custom, "jsonrpc_request_id", r.str("jsonrpc.request.id"));
  return { subtype: AGENT_SUBTYPE.AGENT_TOOL, activityId: name ?? span.name, used, generated, customMetadata: custom };
}

function agentInvocation(_span: SpanData, r: AttrReader, limits: JsonSafeLimits, failed: boolean): AgentTaskFields {
  const input = contentOf(r, PROMPT, limits);
  const output = contentOf(r, RESPONSE, limits);
  const used: JsonObject = { prompt: input?.value ?? NOT_CAPTURED };
  put(used, "system_instructions", firstContent(r, ["gen_ai.system_instructions"], limits)?.value);
  put(used, "model", r.str(...REQUEST_MODEL_KEYS, ...LAST_MODEL_KEYS));
  put(used, "provider", r.str(...PROVIDER_KEYS));
  put(used, "tools", toolNames(r));
  const generated = output !== undefined ? { response: output.value } : failed ? undefined : { response: NOT_CAPTURED };
  const custom: JsonObject = {};
  // An invocation's counts are its model calls' sum: recorded, never estimated (its calls carry their own).
  put(custom, "llm_usage", llmUsage(r, undefined, undefined, false));
  const identity = agentIdentity(r.attrs);
  put(custom, "agent_name", identity?.name);
  put(custom, "agent_version", identity?.version);
  put(custom, "agent_description", identity?.description);
  r.raw("gen_ai.agent.id", "gen_ai.agent.name", "gen_ai.agent.version", "gen_ai.agent.description", "agent.name");
  return { subtype: AGENT_SUBTYPE.AGENT_INVOCATION, used, generated, customMetadata: custom };
}

function mcpRequest(_span: SpanData, r: AttrReader, limits: JsonSafeLimits, failed: boolean): AgentTaskFields {
  const method = r.str("mcp.method.name");
  const isToolCall = method === "tools/call";
  const args = firstContent(r, ["gen_ai.tool.call.arguments"], limits);
  const result = firstContent(r, ["gen_ai.tool.call.result"], limits);
  const used = asObject(args, "arguments") ?? (isToolCall ? { arguments: NOT_CAPTURED } : {});
  const generated = asObject(result, "result") ?? (isToolCall && !failed ? { result: NOT_CAPTURED } : undefined);
  const custom: JsonObject = {};
  put(custom, "mcp_method", method);
  put(custom, "tool_name", r.str("gen_ai.tool.name"));
  put(custom, "jsonrpc_request_id", r.str("jsonrpc.request.id"));
  return { subtype: AGENT_SUBTYPE.MCP_REQUEST, used, generated, customMetadata: custom };
}

const MAPPERS: Record<AgentSpanRole, (span: SpanData, r: AttrReader, limits: JsonSafeLimits, failed: boolean) => AgentTaskFields> = {
  model: modelCall,
  tool: toolCall,
  agent: agentInvocation,
  mcp_request: mcpRequest,
};

/**
 * The fields of the task record of an agentic span. `others` holds the
 * span's attributes outside `flowcept.*` as the mapping records them (the
 * ones this table does not read are kept under
 * `custom_metadata.span_attributes`).
 */
export function agentTaskFields(span: SpanData, role: AgentSpanRole, others: JsonObject | undefined, limits: JsonSafeLimits = DEFAULT_LIMITS): AgentTaskFields {
  const r = new AttrReader(span.attributes);
  const failed = span.status.code === SPAN_STATUS_ERROR;
  const fields = MAPPERS[role](span, r, limits, failed);
  const own = agentIdentity(span.attributes);
  // The AI SDK's function id names every span of a call; other spans name an agent only on its own spans.
  if (own !== undefined) fields.agentId = own.id;
  r.raw("gen_ai.agent.id", "gen_ai.agent.name", "ai.telemetry.functionId", "agent.name");
  const conversation = r.str("gen_ai.conversation.id", "session.id");
  if (conversation !== undefined) fields.customMetadata.conversation_id = conversation;
  const errorType = r.str("error.type");
  if (errorType !== undefined) fields.errorType = errorType;
  r.raw("gen_ai.operation.name", "openinference.span.kind", "ai.operationId", "input.mime_type", "output.mime_type");
  if (others !== undefined) {
    let rest: JsonObject | undefined;
    for (const k of Object.keys(others)) if (!r.isConsumed(k)) setOwn((rest ??= {}), k, others[k]);
    if (rest !== undefined) fields.customMetadata.span_attributes = rest;
  }
  return fields;
}
