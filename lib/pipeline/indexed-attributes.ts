/**
 * Attributes that spell a list of objects one leaf at a time, as
 * OpenInference (`llm.input_messages.0.message.role`) and the previous GenAI
 * conventions (`gen_ai.prompt.0.content`) do, read back as that list.
 */
import type { Attributes } from "@opentelemetry/api";
import type { JsonObject, JsonValue } from "../records/records.js";

/** Namespacing segments OpenInference puts before each object's keys. */
const WRAPPERS = new Set(["message", "tool_call", "message_content", "tool", "document", "embedding"]);

type Tree = { [k: string]: Tree | JsonValue };

function isTree(v: unknown): v is Tree {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** Numeric keys become arrays; a lone namespacing key (`message`) is unwrapped. */
function normalize(v: Tree | JsonValue): JsonValue {
  if (!isTree(v)) return v;
  const keys = Object.keys(v);
  if (keys.length > 0 && keys.every((k) => /^\d+$/.test(k))) {
    const out: JsonValue[] = [];
    for (const k of keys.sort((a, b) => Number(a) - Number(b))) out.push(normalize(v[k]!));
    return out;
  }
  const out: JsonObject = {};
  for (const k of keys) {
    const child = normalize(v[k]!);
    if (WRAPPERS.has(k) && isTree(child)) Object.assign(out, child);
    else out[k] = child;
  }
  return out;
}

/**
 * The list spelled by the attributes under `prefix` (which ends with a dot),
 * and the number of characters of its text leaves; undefined when there is
 * none. Calls `consume` with every key it reads.
 */
export function indexedList(attrs: Attributes, prefix: string, consume: (key: string) => void): { value: JsonValue; chars: number } | undefined {
  let root: Tree | undefined;
  let chars = 0;
  for (const key in attrs) {
    if (!key.startsWith(prefix)) continue;
    const v = attrs[key];
    consume(key);
    if (v === undefined) continue;
    const path = key.slice(prefix.length).split(".");
    // `__proto__` would reach Object.prototype: such a key (only a hostile sender writes one) is skipped.
    if (!/^\d+$/.test(path[0]!) || path.includes("__proto__")) continue;
    let node = (root ??= {});
    for (let i = 0; i < path.length - 1; i++) {
      const seg = path[i]!;
      const next = node[seg];
      node = isTree(next) ? next : (node[seg] = {});
    }
    const leaf = Array.isArray(v) ? [...v] : v;
    if (typeof leaf === "string") chars += leaf.length;
    node[path[path.length - 1]!] = leaf as JsonValue;
  }
  return root === undefined ? undefined : { value: normalize(root), chars };
}
