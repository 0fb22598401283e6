/**
 * The client side of MCP capture, shared by the auto-instrumentation (on
 * `Client.prototype`) and {@link instrumentMcpClient} (on one client): every
 * request carries the caller's trace context and baggage in
 * `params._meta`, as the MCP semantic conventions say, so that a tool served
 * by another process records its task in the caller's workflow; each
 * `tools/call` is a task of its own (`subtype: "mcp_request"`), the parent
 * of the tool's task on the server.
 */
import { context, diag, SpanKind, trace, type Attributes, type Context } from "@opentelemetry/api";
import { ATTR } from "../../lib/records/attributes.js";
import { AGENT_SUBTYPE } from "../../lib/records/agent-vocabulary.js";
import { captureConfig } from "../../lib/capture/capture-config.js";
import { fieldJson } from "../../lib/capture/task-binding.js";
import { endTaskError, endTaskOk, startTaskSpan } from "../../lib/capture/task-span.js";
import { runTaskBody } from "../../lib/capture/run-task-body.js";
import { taskTelemetry } from "../../lib/capture/task-telemetry.js";
import { contextEntries } from "../../lib/context/carrier-context.js";
import { taskScope } from "../../lib/context/current-scope.js";
import { agentIdentity } from "../../lib/pipeline/agent-span.js";
import { errorMessage } from "../../lib/util/error-message.js";
import { isPlainObject } from "../../lib/util/plain-object.js";
import { errorText, isErrorResult, resultJson } from "./agent-flowcept-task.js";
import { mcpAttributes } from "./mcp-attributes.js";

/** The slice of the SDK's `Client` this module touches (structural, so the SDK stays optional). */
export interface McpClientLike {
  request?: (...args: unknown[]) => unknown;
  /** The id the next request gets (the SDK's counter). */
  _requestMessageId?: unknown;
  _transport?: { sessionId?: unknown };
  getServerVersion?: () => { name?: unknown } | undefined;
}

interface JsonRpcRequest {
  method: string;
  params?: Record<string, unknown>;
}

function isRequest(v: unknown): v is JsonRpcRequest {
  return isPlainObject(v) && typeof v.method === "string" && (v.params === undefined || isPlainObject(v.params));
}

/** The request with `entries` added to its `params._meta` (entries the caller set itself are kept); a copy, the caller's object is not changed. */
function withMeta(request: JsonRpcRequest, entries: Record<string, string>): JsonRpcRequest {
  if (Object.keys(entries).length === 0) return request;
  const params = request.params ?? {};
  const meta = isPlainObject(params._meta) ? params._meta : {};
  return { ...request, params: { ...params, _meta: { ...entries, ...meta } } };
}

/** The agent a call is made for: the one of the active span (Flowcept's task or an agent framework's span), else the workflow's. */
function callingAgent(): string | undefined {
  const attrs = (trace.getActiveSpan() as { attributes?: Attributes } | undefined)?.attributes;
  if (attrs !== undefined) {
    const own = attrs[ATTR.AGENT_ID];
    if (typeof own === "string") return own;
    const named = agentIdentity(attrs)?.id;
    if (named !== undefined) return named;
  }
  return taskScope()?.agentId;
}

/** A `tools/call` about to be sent: its task started, the request to send, and how the task ends. */
interface PreparedCall {
  request: JsonRpcRequest;
  ctx: Context;
  ok(value: unknown): void;
  failed(err: unknown): void;
}

function prepareToolCall(client: McpClientLike, request: JsonRpcRequest): PreparedCall {
  const cfg = captureConfig();
  const params = request.params ?? {};
  const toolName = typeof params.name === "string" ? params.name : "tool";
  const args = params.arguments;
  const used = isPlainObject(args) ? args : args === undefined ? {} : { arg_0: args };
  const telemetry = taskTelemetry(undefined, cfg.telemetry);
  const agentId = callingAgent();
  const attrs: Attributes = {
    [ATTR.SUBTYPE]: AGENT_SUBTYPE.MCP_REQUEST,
    [ATTR.USED]: fieldJson(used, cfg.limits),
    ...mcpAttributes("tools/call", toolName, client._requestMessageId, client._transport?.sessionId, client._transport),
  };
  if (agentId !== undefined) attrs[ATTR.AGENT_ID] = agentId;
  const server = client.getServerVersion?.()?.name;
  if (typeof server === "string") attrs[ATTR.CUSTOM_METADATA] = fieldJson({ mcp_server: server }, cfg.limits);
  const name = `tools/call ${toolName}`;
  const started = startTaskSpan(name, attrs, telemetry, undefined, undefined, undefined, { kind: SpanKind.CLIENT, name });
  const span = started.span;
  const sent = withMeta(request, contextEntries(started.context, agentId));
  const ok = (value: unknown): void => {
    const generated = resultJson(value, cfg.limits);
    if (isErrorResult(value)) {
      if (generated !== undefined) span.setAttribute(ATTR.GENERATED, generated);
      span.setAttribute("error.type", "tool_error");
      endTaskError(span, errorText(value as Record<string, unknown>), telemetry);
    } else endTaskOk(span, generated, telemetry);
  };
  return { request: sent, ctx: started.context, ok, failed: (err) => endTaskError(span, err, telemetry) };
}

const PATCHED = Symbol.for("flowcept-otel.mcp.client-request");

/** Whether a `request` function is already wrapped by {@link patchClientRequest}. */
export function isPatchedRequest(fn: unknown): boolean {
  return typeof fn === "function" && (fn as { [PATCHED]?: boolean })[PATCHED] === true;
}

/**
 * Wraps the SDK's `Client.request`: context in `params._meta` for every
 * request, and a task for each `tools/call`. What the caller gets back (or
 * the error it gets) is exactly what it would get without capture.
 */
export function patchClientRequest<F extends (...args: unknown[]) => unknown>(original: F): F {
  const wrapper = function (this: McpClientLike, request: unknown, ...rest: unknown[]) {
    if (!captureConfig().enabled || !isRequest(request)) return original.call(this, request, ...rest);
    let sent: JsonRpcRequest = request;
    let call: PreparedCall | undefined;
    try {
      if (request.method === "tools/call") call = prepareToolCall(this, request);
      else sent = withMeta(request, contextEntries(context.active(), callingAgent()));
    } catch (err) {
      diag.error(`flowcept: MCP request ${request.method} not captured: ${errorMessage(err)}`);
    }
    if (call !== undefined) return runTaskBody(call.ctx, original, this, [call.request, ...rest], call.ok, call.failed);
    return original.call(this, sent, ...rest);
  };
  Object.defineProperty(wrapper, PATCHED, { value: true });
  return wrapper as F;
}
