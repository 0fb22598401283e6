import { context, diag, SpanKind, type Attributes } from "@opentelemetry/api";
import { ATTR } from "../../lib/records/attributes.js";
import { captureConfig } from "../../lib/capture/capture-config.js";
import { keepIdentity, staticTaskAttributes, type TaskOptions } from "../../lib/capture/flowcept-task.js";
import { toJsonObject, type JsonSafeLimits } from "../../lib/records/json-safe.js";
import { isPlainObject } from "../../lib/util/plain-object.js";
import type { JsonObject } from "../../lib/records/records.js";
import { fieldJson } from "../../lib/capture/task-binding.js";
import { endTaskError, endTaskOk, startTaskSpan } from "../../lib/capture/task-span.js";
import { errorMessage } from "../../lib/util/error-message.js";
import { runTaskBody } from "../../lib/capture/run-task-body.js";
import { taskTelemetry, wantTelemetry } from "../../lib/capture/task-telemetry.js";
import { recordAgentOnce } from "./agent-record.js";
import type { AnyFunction } from "../../lib/util/any-function.js";
import { contextFromEntries } from "../../lib/context/carrier-context.js";
import { baggageAgent } from "../../lib/context/workflow-baggage.js";
import { mcpAttributes, sessionDigest } from "./mcp-attributes.js";
import { AGENT_SUBTYPE } from "../../lib/records/agent-vocabulary.js";

/** Options of {@link agentFlowceptTask}: the task options plus the agent's identity. */
export interface AgentTaskOptions extends TaskOptions {
  /** Name written in the agent's `agent` record. */
  agentName?: string | undefined;
}

/**
 * What an MCP server lends to the tool handlers it runs: the tool's name and
 * the server's identity. Filled in by the server instrumentation.
 * @internal
 */
export interface ToolHost {
  toolName?: string;
  agentId?: string;
  agentName?: string;
  agentMetadata?: JsonObject;
}

/** Marks a handler wrapped by {@link agentFlowceptTask}; its value is the handler's {@link ToolHost}. */
export const TOOL_HOST: unique symbol = Symbol.for("flowcept-otel.mcp.tool-host") as never;

/** The subtype of agent tool tasks (Flowcept's `PROV_AGENT.AGENT_TOOL`). */
export const AGENT_TOOL = AGENT_SUBTYPE.AGENT_TOOL;

/** The parts of the SDK's `RequestHandlerExtra` that are recorded. */
interface McpExtra {
  requestId?: string | number;
  sessionId?: string;
  /** The request's `params._meta`: the caller's trace context and baggage. */
  _meta?: unknown;
}

/** The SDK passes `extra` (abort signal, request id, session id…) as the handler's last argument. */
function asExtra(v: unknown): McpExtra | undefined {
  if (v === null || typeof v !== "object") return undefined;
  const o = v as Record<string, unknown>;
  return "requestId" in o && o.signal instanceof AbortSignal ? (o as McpExtra) : undefined;
}

/** The tool arguments and the SDK's `extra` of one handler call (`(args, extra)` or `(extra)`). */
function splitCall(callArgs: readonly unknown[]): { toolArgs: unknown; extra: McpExtra | undefined } {
  if (callArgs.length >= 2) return { toolArgs: callArgs[0], extra: asExtra(callArgs[1]) };
  const extra = asExtra(callArgs[0]);
  return extra ? { toolArgs: undefined, extra } : { toolArgs: callArgs[0], extra: undefined };
}

/** Whether a tool result says the tool failed (`isError: true`). */
export function isErrorResult(v: unknown): boolean {
  return isPlainObject(v) && v.isError === true;
}

/** The text an erroring tool returned, as its `stderr`. */
export function errorText(result: Record<string, unknown>): string {
  const content = result.content;
  if (Array.isArray(content)) {
    const parts = content.filter((c) => isPlainObject(c) && c.type === "text" && typeof c.text === "string").map((c) => (c as { text: string }).text);
    if (parts.length) return parts.join("\n");
  }
  return "tool returned isError";
}

/** A tool result as `generated` JSON. Never throws. */
export function resultJson(value: unknown, limits: JsonSafeLimits): string | undefined {
  if (value === undefined) return undefined;
  try {
    if (isPlainObject(value)) return fieldJson(value, limits);
    return fieldJson({ arg_0: value }, limits);
  } catch (err) {
    return JSON.stringify({ error: `result not recorded: ${errorMessage(err)}` });
  }
}

/**
 * Wraps an MCP tool handler as an agent tool task (Flowcept's
 * `@agent_flowcept_task`): each call is a task with `subtype: "agent_tool"`,
 * `activity_id` = the tool name, `used` = the tool arguments, `generated` =
 * the tool result, `agent_id`, and the MCP request id and a digest of the
 * session id in `custom_metadata`. A handler that throws, or returns `isError: true`, is
 * recorded as ERROR; what it returns or throws reaches the SDK untouched.
 *
 * `agent_id` is `options.agentId`, else the identity of the instrumented
 * server that runs the tool, else the `agentId` of the running `Flowcept`
 * workflow. The agent's `agent` record is written once per agent. Tool
 * arguments named `workflow_id` / `campaign_id` place the task (as in
 * Flowcept) and are left out of `used`.
 *
 * The tool name comes from `options.activityId`, else from the instrumented
 * server that registered the handler, else from the handler's name.
 *
 * A call whose request carries the caller's trace context in `params._meta`
 * (an instrumented MCP client, in this process or another) is recorded in
 * the caller's workflow, as a child of the calling task, with the calling
 * agent as `source_agent_id`. In the trace view the span follows the MCP
 * conventions: `tools/call <tool>`, kind SERVER, `mcp.method.name`,
 * `jsonrpc.request.id`, a digest of the session id as `mcp.session.id`.
 */
export function agentFlowceptTask<H extends AnyFunction>(handler: H, options: AgentTaskOptions = {}): H {
  if (typeof handler !== "function") throw new TypeError("agentFlowceptTask: expected a tool handler function");
  const existing = (handler as { [TOOL_HOST]?: ToolHost })[TOOL_HOST];
  if (existing !== undefined) return handler;
  const host: ToolHost = {};
  const opts = options;
  if (opts.captureTelemetry === true) wantTelemetry();
  const subtype = opts.subtype ?? AGENT_TOOL;
  let staticAttrs: Attributes | undefined;
  let custom: JsonObject | undefined;
  let staticFor: JsonSafeLimits | undefined;

  const wrapper = function (this: unknown, ...callArgs: unknown[]): unknown {
    const cfg = captureConfig();
    if (!cfg.enabled) return handler.apply(this, callArgs);
    const telemetry = taskTelemetry(opts.captureTelemetry, cfg.telemetry);
    const activityId = opts.activityId ?? host.toolName ?? (handler.name || AGENT_TOOL);
    let started;
    try {
      if (staticFor !== cfg.limits) {
        staticAttrs = staticTaskAttributes({ ...opts, subtype, customMetadata: undefined, agentId: undefined }, cfg.limits);
        custom = opts.customMetadata === undefined ? undefined : toJsonObject(opts.customMetadata, cfg.limits);
        staticFor = cfg.limits;
      }
      const { toolArgs, extra } = splitCall(callArgs);
      let used: Record<string, unknown>;
      let workflowId = opts.workflowId;
      let campaignId = opts.campaignId;
      if (isPlainObject(toolArgs)) {
        used = { ...toolArgs };
        if (typeof used.workflow_id === "string") {
          workflowId ??= used.workflow_id;
          delete used.workflow_id;
        }
        if (typeof used.campaign_id === "string") {
          campaignId ??= used.campaign_id;
          delete used.campaign_id;
        }
      } else used = toolArgs === undefined ? {} : { arg_0: toolArgs };
      const attrs: Attributes = { ...staticAttrs, [ATTR.USED]: fieldJson(used, cfg.limits) };
      if (extra !== undefined || custom !== undefined) {
        const meta: Record<string, unknown> = { ...custom };
        if (extra?.requestId !== undefined) meta.mcp_request_id = extra.requestId;
        // A session id lets its holder act in the session: only a digest is kept, enough to group calls.
        if (extra?.sessionId !== undefined) meta.mcp_session_hash = sessionDigest(String(extra.sessionId));
        attrs[ATTR.CUSTOM_METADATA] = fieldJson(meta, cfg.limits);
      }
      let parent = context.active();
      if (extra !== undefined) {
        Object.assign(attrs, mcpAttributes("tools/call", activityId, extra.requestId, extra.sessionId));
        parent = contextFromEntries(extra._meta, parent);
      }
      const view = extra === undefined ? undefined : { kind: SpanKind.SERVER, name: `tools/call ${activityId}` };
      started = context.with(parent, () => startTaskSpan(activityId, attrs, telemetry, workflowId, campaignId, undefined, view));
      const scope = started.scope;
      const agentId = opts.agentId ?? host.agentId ?? scope?.agentId;
      const caller = baggageAgent(parent);
      if (caller !== undefined && caller !== agentId) started.span.setAttribute(ATTR.SOURCE_AGENT_ID, caller);
      if (agentId !== undefined) {
        started.span.setAttribute(ATTR.AGENT_ID, agentId);
        recordAgentOnce({
          agentId,
          name: opts.agentName ?? (agentId === host.agentId ? host.agentName : undefined) ?? (agentId === scope?.agentId ? scope?.workflowName : undefined),
          workflowId: attrs[ATTR.WORKFLOW_ID] as string | undefined,
          campaignId: attrs[ATTR.CAMPAIGN_ID] as string | undefined,
          customMetadata: agentId === host.agentId ? host.agentMetadata : undefined,
        });
      }
    } catch (err) {
      diag.error(`flowcept: agent tool ${activityId} not captured: ${errorMessage(err)}`);
      return handler.apply(this, callArgs);
    }
    const span = started.span;
    const finish = (value: unknown): void => {
      const generated = resultJson(value, cfg.limits);
      if (isErrorResult(value)) {
        if (generated !== undefined) span.setAttribute(ATTR.GENERATED, generated);
        endTaskError(span, errorText(value as Record<string, unknown>), telemetry);
      } else endTaskOk(span, generated, telemetry);
    };
    return runTaskBody(started.context, handler, this, callArgs, finish, (err) => endTaskError(span, err, telemetry), opts);
  };
  Object.defineProperty(wrapper, TOOL_HOST, { value: host });
  return keepIdentity(wrapper, handler);
}

/** The {@link ToolHost} of a wrapped handler, if it is one. */
export function toolHostOf(handler: unknown): ToolHost | undefined {
  return typeof handler === "function" ? (handler as { [TOOL_HOST]?: ToolHost })[TOOL_HOST] : undefined;
}
