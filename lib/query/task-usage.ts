import { MODEL_CALL_SUBTYPES, TOKEN_SOURCE } from "../records/agent-vocabulary.js";
import { isPlainObject } from "../util/plain-object.js";

/** The model and token counts of a task, as its record holds them (`custom_metadata.llm_usage`, `used.model`). */
export interface TaskUsage {
  model?: string;
  inputTokens?: number;
  outputTokens?: number;
  /** The counts were estimated from characters, not reported by the provider. */
  estimated: boolean;
  /** A model call (its tokens count toward totals; an invocation's are the sum of its calls'). */
  modelCall: boolean;
}

function num(v: unknown): number | undefined {
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

/** The usage of a task record, or undefined when it has neither model nor tokens. */
export function taskUsage(task: Record<string, unknown>): TaskUsage | undefined {
  const custom = isPlainObject(task.custom_metadata) ? task.custom_metadata : undefined;
  const usage = custom !== undefined && isPlainObject(custom.llm_usage) ? custom.llm_usage : undefined;
  const used = isPlainObject(task.used) ? task.used : undefined;
  const model = typeof usage?.model === "string" ? usage.model : typeof used?.model === "string" ? used.model : undefined;
  const inputTokens = num(usage?.input_tokens);
  const outputTokens = num(usage?.output_tokens);
  if (model === undefined && inputTokens === undefined && outputTokens === undefined) return undefined;
  const out: TaskUsage = { estimated: usage?.token_count_source === TOKEN_SOURCE.ESTIMATED, modelCall: typeof task.subtype === "string" && MODEL_CALL_SUBTYPES.has(task.subtype) };
  if (model !== undefined) out.model = model;
  if (inputTokens !== undefined) out.inputTokens = inputTokens;
  if (outputTokens !== undefined) out.outputTokens = outputTokens;
  return out;
}

/** Token counts for people: `31/9` (input/output), `~` before estimated ones. */
export function formatTokens(u: TaskUsage): string | undefined {
  if (u.inputTokens === undefined && u.outputTokens === undefined) return undefined;
  return `${u.estimated ? "~" : ""}${u.inputTokens ?? "?"}/${u.outputTokens ?? "?"}`;
}
