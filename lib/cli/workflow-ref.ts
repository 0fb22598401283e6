/** Which workflow a command is about: given whole, as a unique prefix of its id, or (none given) the latest. */
import type { FlowceptDb } from "../query/FlowceptDb.js";
import { CliError } from "./CliError.js";
import { storeName } from "./cli-context.js";

/** A workflow a command resolved: its id and its record, when the store has one (tasks may have come without it). */
export interface WorkflowRef {
  id: string;
  record?: Record<string, unknown> | undefined;
}

const PREFIX = /^[0-9a-f-]{1,36}$/i;
/** How many matches an ambiguous prefix lists. */
const SHOWN = 5;

/**
 * Resolves `ref` in `db`: the workflow whose id is `ref`, else the one whose
 * id starts with it, else (no `ref`) the latest workflow by start time.
 * Throws a {@link CliError} naming the store when there is none, and listing
 * the candidates when a prefix is ambiguous.
 */
export async function resolveWorkflow(db: FlowceptDb, ref: string | undefined): Promise<WorkflowRef> {
  if (ref === undefined || ref === "") {
    const [latest] = await db.workflowQuery({}, { sort: { started_at: -1 }, limit: 1 });
    if (latest === undefined) throw new CliError(`no workflow in ${storeName(db)}`);
    return { id: String(latest.workflow_id), record: latest };
  }
  const exact = await db.getWorkflow(ref);
  if (exact !== undefined) return { id: ref, record: exact };
  if (PREFIX.test(ref)) {
    const matches = await db.workflowQuery({ workflow_id: { $regex: `^${ref}` } }, { sort: { started_at: -1 }, limit: SHOWN + 1 });
    if (matches.length === 1) return { id: String(matches[0]!.workflow_id), record: matches[0] };
    if (matches.length > 1) {
      const listed = matches.slice(0, SHOWN).map((w) => `  ${String(w.workflow_id)}${w.name ? `  ${String(w.name)}` : ""}`);
      throw new CliError(`"${ref}" matches more than one workflow in ${storeName(db)}; give more of the id:\n${listed.join("\n")}${matches.length > SHOWN ? "\n  …" : ""}`);
    }
  }
  // Tasks of a workflow whose own record was never written (a producer process, a lost start message).
  const [task] = await db.taskQuery({ workflow_id: ref }, { limit: 1, projection: { workflow_id: 1 } });
  if (task !== undefined) return { id: ref };
  throw new CliError(`no workflow "${ref}" in ${storeName(db)}`);
}
