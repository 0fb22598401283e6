/**
 * Identifiers. Span and trace ids come from a pooled CSPRNG (not
 * `Math.random`), so task ids stay unique across processes and hosts.
 *
 * - `workflow_id` is a UUID whose 32 hex digits are the OTel trace id of the
 *   workflow's spans (a non-UUID id given by the user is hashed to a trace id);
 * - `task_id` is `<trace id>-<span id>`: derivable from any span, in process
 *   or from OTLP, and unique across workflows.
 */
import { createHash, randomFillSync, randomUUID } from "node:crypto";

const POOL_BYTES = 8192;
/** Random bytes as hex digits, refilled when used up: an id is a slice of it (no per-id formatting). */
let hexPool = "";
let pos = 0;

function refill(): void {
  hexPool = randomFillSync(Buffer.allocUnsafe(POOL_BYTES)).toString("hex");
  pos = 0;
}

/** 16 random hex digits (a valid, non-zero OTel span id). */
export function randomSpanId(): string {
  if (pos + 16 > hexPool.length) refill();
  const s = hexPool.slice(pos, pos + 16);
  pos += 16;
  return s === "0000000000000000" ? randomSpanId() : s;
}

/** 32 random hex digits (a valid, non-zero OTel trace id). */
export function randomTraceId(): string {
  return randomSpanId() + randomSpanId();
}

/** A new workflow or campaign id (UUID v4). */
export function newUuid(): string {
  return randomUUID();
}

const UUID_RE = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/** The OTel trace id of a workflow: the UUID's hex digits, or a hash of any other id. */
export function workflowTraceId(workflowId: string): string {
  if (UUID_RE.test(workflowId)) {
    const hex = workflowId.replace(/-/g, "").toLowerCase();
    if (hex !== "00000000000000000000000000000000") return hex;
  }
  return createHash("sha256").update(workflowId).digest("hex").slice(0, 32);
}

/** The span id of a workflow's root span, derived from its trace id so every process agrees on it. */
export function workflowRootSpanId(traceId: string): string {
  const s = traceId.slice(16);
  return s === "0000000000000000" ? traceId.slice(0, 16) : s;
}

/** Formats 32 hex digits as a UUID string (8-4-4-4-12). */
export function traceIdToUuid(traceId: string): string {
  return `${traceId.slice(0, 8)}-${traceId.slice(8, 12)}-${traceId.slice(12, 16)}-${traceId.slice(16, 20)}-${traceId.slice(20)}`;
}

/** The task id of a span. */
export function taskIdOf(traceId: string, spanId: string): string {
  return `${traceId}-${spanId}`;
}
