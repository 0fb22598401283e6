import type { JsonSafeLimits } from "../records/json-safe.js";
import type { FlowceptSettings } from "./settings.js";

/** The size caps of recorded values (`project.max_value_bytes`, `max_string_length`, `max_depth`). */
export function valueLimits(s: FlowceptSettings): JsonSafeLimits {
  return { maxBytes: s.project.max_value_bytes, maxStringLength: s.project.max_string_length, maxDepth: s.project.max_depth };
}
