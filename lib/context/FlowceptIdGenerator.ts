import type { IdGenerator } from "@opentelemetry/sdk-trace-base";
import { randomSpanId, randomTraceId } from "../records/ids.js";

let forcedTraceId: string | undefined;
let forcedSpanId: string | undefined;

/**
 * The id generator of the provider `registerFlowcept()` builds: CSPRNG ids,
 * and a way for the workflow root span to get a chosen trace and span id so
 * that a workflow is one trace whose id is the workflow id. Given another
 * generator (an application's provider's), it leaves every other id to it.
 */
export class FlowceptIdGenerator implements IdGenerator {
  constructor(private readonly others?: IdGenerator) {}

  generateTraceId(): string {
    const forced = forcedTraceId;
    if (forced !== undefined) {
      forcedTraceId = undefined;
      return forced;
    }
    return this.others ? this.others.generateTraceId() : randomTraceId();
  }

  generateSpanId(): string {
    const forced = forcedSpanId;
    if (forced !== undefined) {
      forcedSpanId = undefined;
      return forced;
    }
    return this.others ? this.others.generateSpanId() : randomSpanId();
  }
}

/**
 * Runs `fn` (which must start exactly one root span synchronously) so that
 * the span gets the given ids when the provider uses {@link FlowceptIdGenerator}.
 */
export function withForcedIds<T>(traceId: string, spanId: string, fn: () => T): T {
  forcedTraceId = traceId;
  forcedSpanId = spanId;
  try {
    return fn();
  } finally {
    forcedTraceId = undefined;
    forcedSpanId = undefined;
  }
}
