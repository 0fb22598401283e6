/**
 * The context of a request carried inside a message rather than in
 * transport headers (MCP puts it in `params._meta`): W3C trace context and
 * baggage, with the sender's workflow and agent, written into and read from
 * a plain object.
 */
import { ROOT_CONTEXT, type Context, type TextMapGetter, type TextMapSetter } from "@opentelemetry/api";
import { FlowceptPropagator } from "./FlowceptPropagator.js";
import { withoutScope } from "./current-scope.js";
import { baggageWorkflow, withAgentBaggage } from "./workflow-baggage.js";
import { propagation } from "@opentelemetry/api";

const propagator = new FlowceptPropagator();

const setter: TextMapSetter<Record<string, unknown>> = {
  set: (carrier, key, value) => {
    carrier[key] = value;
  },
};

const getter: TextMapGetter<Record<string, unknown>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => {
    const v = carrier[key];
    return typeof v === "string" ? v : undefined;
  },
};

/**
 * The entries that carry `ctx` (`traceparent`, `tracestate`, `baggage` with
 * the current workflow, and `agentId` as the calling agent).
 */
export function contextEntries(ctx: Context, agentId?: string): Record<string, string> {
  const out: Record<string, unknown> = {};
  propagator.inject(withAgentBaggage(ctx, agentId), out, setter);
  return out as Record<string, string>;
}

/**
 * The context a received message's entries stand for, on top of `active`:
 * the sender's span as the remote parent and its baggage. When the baggage
 * names a workflow, the scope of `active` is dropped so that the sender's
 * workflow applies. `active` itself when the entries carry nothing.
 */
export function contextFromEntries(entries: unknown, active: Context = ROOT_CONTEXT): Context {
  if (entries === null || typeof entries !== "object") return active;
  const carrier = entries as Record<string, unknown>;
  if (typeof carrier.traceparent !== "string" && typeof carrier.baggage !== "string") return active;
  const ctx = propagator.extract(active, carrier, getter);
  return baggageWorkflow(propagation.getBaggage(ctx)) === undefined ? ctx : withoutScope(ctx);
}
