/**
 * The workflow in W3C baggage: how a workflow follows a request or a child
 * process into another process without ids passed by hand. The sending side
 * adds `flowcept.workflow_id` and `flowcept.campaign_id` entries from its
 * scope; the receiving side reads them back as a scope.
 */
import { propagation, type Baggage, type Context } from "@opentelemetry/api";
import { remoteScope, type WorkflowScope } from "./workflow-scope.js";

/** Baggage entry names. */
export const BAGGAGE_KEYS = {
  WORKFLOW_ID: "flowcept.workflow_id",
  CAMPAIGN_ID: "flowcept.campaign_id",
  /** The agent a request is made for (MCP tool calls): the receiving task's `source_agent_id`. */
  AGENT_ID: "flowcept.agent_id",
} as const;

const MAX_ID_LENGTH = 256;
/** One scope per baggage object (baggage is immutable; contexts of one request share it). */
const fromBaggage = new WeakMap<Baggage, WorkflowScope | null>();

function validId(v: string | undefined): string | undefined {
  return v !== undefined && v.length > 0 && v.length <= MAX_ID_LENGTH ? v : undefined;
}

/** The workflow ids in a baggage, if it carries a workflow id. */
export function baggageWorkflow(bag: Baggage | undefined): { workflowId: string; campaignId?: string } | undefined {
  const workflowId = validId(bag?.getEntry(BAGGAGE_KEYS.WORKFLOW_ID)?.value);
  if (workflowId === undefined) return undefined;
  return { workflowId, campaignId: validId(bag!.getEntry(BAGGAGE_KEYS.CAMPAIGN_ID)?.value) };
}

/** The workflow named by the baggage of `ctx`, if any. */
export function scopeFromBaggage(ctx: Context): WorkflowScope | undefined {
  const bag = propagation.getBaggage(ctx);
  if (bag === undefined) return undefined;
  let scope = fromBaggage.get(bag);
  if (scope === undefined) {
    const ids = baggageWorkflow(bag);
    scope = ids ? remoteScope(ids.workflowId, ids.campaignId, ctx) : null;
    fromBaggage.set(bag, scope);
  }
  return scope ?? undefined;
}

/** The agent named by the baggage of `ctx`, if any. */
export function baggageAgent(ctx: Context): string | undefined {
  return validId(propagation.getBaggage(ctx)?.getEntry(BAGGAGE_KEYS.AGENT_ID)?.value);
}

/** `ctx` with `agentId` as the baggage's agent (other entries kept); `ctx` itself when there is none. */
export function withAgentBaggage(ctx: Context, agentId: string | undefined): Context {
  if (agentId === undefined) return ctx;
  const bag = propagation.getBaggage(ctx);
  if (bag?.getEntry(BAGGAGE_KEYS.AGENT_ID)?.value === agentId) return ctx;
  return propagation.setBaggage(ctx, (bag ?? propagation.createBaggage()).setEntry(BAGGAGE_KEYS.AGENT_ID, { value: agentId }));
}

/** `ctx` with the workflow and campaign ids of `scope` in its baggage (other entries kept). */
export function withWorkflowBaggage(ctx: Context, scope: WorkflowScope | undefined): Context {
  if (scope === undefined) return ctx;
  const bag = propagation.getBaggage(ctx);
  if (bag?.getEntry(BAGGAGE_KEYS.WORKFLOW_ID)?.value === scope.workflowId && (!scope.campaignId || bag.getEntry(BAGGAGE_KEYS.CAMPAIGN_ID)?.value === scope.campaignId)) return ctx;
  let next = (bag ?? propagation.createBaggage()).setEntry(BAGGAGE_KEYS.WORKFLOW_ID, { value: scope.workflowId });
  next = scope.campaignId ? next.setEntry(BAGGAGE_KEYS.CAMPAIGN_ID, { value: scope.campaignId }) : next.removeEntry(BAGGAGE_KEYS.CAMPAIGN_ID);
  return propagation.setBaggage(ctx, next);
}
