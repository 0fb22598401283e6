/**
 * OpenLineage run ids are UUIDs. A Flowcept id that is a UUID (a workflow
 * id) is kept; any other (a task id, `<trace id>-<span id>`) becomes a
 * name-based UUID (RFC 9562 version 5), so the START and COMPLETE events of
 * one task — sent live or exported later, by any process — share a run id.
 */
import { createHash } from "node:crypto";

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** The namespace of the name-based ids: a fixed UUID of this package. */
const NAMESPACE = Buffer.from("6b0f3f5e8c6d4c1a9d2e7f40a1b2c3d4", "hex");

/** The OpenLineage run id of a Flowcept task or workflow id. */
export function runIdOf(id: string): string {
  if (UUID_RE.test(id)) return id.toLowerCase();
  const h = createHash("sha1").update(NAMESPACE).update(id, "utf8").digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString("hex");
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}
