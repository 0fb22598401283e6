import type { Context, TextMapGetter, TextMapPropagator, TextMapSetter } from "@opentelemetry/api";
import { W3CBaggagePropagator, W3CTraceContextPropagator } from "@opentelemetry/core";
import { withWorkflowBaggage } from "./workflow-baggage.js";
import { currentScope } from "./current-scope.js";

/**
 * W3C trace context and W3C baggage, with the current workflow's
 * `flowcept.workflow_id` and `flowcept.campaign_id` added to the baggage of
 * every outgoing request. `registerFlowcept()` installs it; with your own
 * `NodeSDK` pass it as `textMapPropagator`. The receiving process needs only
 * the standard W3C propagators (any OTel SDK's default) and a
 * `FlowceptSpanProcessor`: its spans join the sender's workflow.
 */
export class FlowceptPropagator implements TextMapPropagator {
  private readonly traceContext = new W3CTraceContextPropagator();
  private readonly baggage = new W3CBaggagePropagator();

  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    this.traceContext.inject(context, carrier, setter);
    this.baggage.inject(withWorkflowBaggage(context, currentScope(context)), carrier, setter);
  }

  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    return this.baggage.extract(this.traceContext.extract(context, carrier, getter), carrier, getter);
  }

  fields(): string[] {
    return [...this.traceContext.fields(), ...this.baggage.fields()];
  }
}
