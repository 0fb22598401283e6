/**
 * Lineage over a store that answers queries only (MongoDB): the tasks a
 * lineage query can reach — every task of the scope (campaign or workflow)
 * of its start, and of the scopes their parent and loop tasks belong to —
 * are read with one query per round and indexed in memory.
 */
import { RecordsLineageSource } from "./RecordsLineageSource.js";
import { keyMatches, taskValues, valueId, type LineageRule } from "./lineage-rule.js";
import type { LineageOptions } from "./lineage-types.js";
import type { QueryBackend, QueryFilter } from "./query-types.js";

const FIELDS = ["task_id", "workflow_id", "campaign_id", "parent_task_id", "group_id", "activity_id", "status", "hostname", "started_at", "ended_at", "used", "generated"];
const ROUNDS = 8;
const BATCH = 1000;

type TaskDoc = Record<string, unknown> & { task_id: string };

function str(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

/** The tasks `options` can reach in `backend`, indexed under `rule`. */
export async function queryLineageSource(backend: QueryBackend, options: LineageOptions, rule: LineageRule): Promise<RecordsLineageSource> {
  const find = async (filter: QueryFilter): Promise<TaskDoc[]> => (await backend.find("tasks", filter, { projection: FIELDS })).filter((r): r is TaskDoc => typeof r.task_id === "string");
  let seeds: TaskDoc[] = [];
  if (options.taskId !== undefined) {
    seeds = await find({ task_id: options.taskId });
    // A task id given in part: its unique beginning or end.
    if (!seeds.length && options.taskId.length >= 4) {
      const part = options.taskId.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      seeds = (await backend.find("tasks", { task_id: { $regex: `^${part}|${part}$` } }, { projection: FIELDS, limit: 2 })).filter((r): r is TaskDoc => typeof r.task_id === "string");
    }
  }
  else if (options.value !== undefined) {
    const id = valueId(options.value);
    const candidates = await find(options.workflowId === undefined ? {} : { workflow_id: options.workflowId });
    seeds = candidates.filter((r) => taskValues(r, rule).some((v) => v.id === id && (options.key === undefined || keyMatches(v.key, options.key))));
  } else if (options.workflowId !== undefined) seeds = await find({ workflow_id: options.workflowId });

  const loaded = new Map<string, TaskDoc>();
  const campaigns = new Set<string>();
  const workflows = new Set<string>();
  let fresh = seeds;
  for (let round = 0; round < ROUNDS && fresh.length; round++) {
    const newCampaigns: string[] = [];
    const newWorkflows: string[] = [];
    for (const r of fresh) {
      const c = str(r.campaign_id);
      const w = str(r.workflow_id);
      if (rule.scope === "campaign" && c !== undefined) {
        if (!campaigns.has(c)) campaigns.add(c), newCampaigns.push(c);
      } else if (w !== undefined && !workflows.has(w)) workflows.add(w), newWorkflows.push(w);
      loaded.set(r.task_id, r);
    }
    const scoped: TaskDoc[] = [];
    for (let i = 0; i < newCampaigns.length; i += BATCH) scoped.push(...(await find({ campaign_id: { $in: newCampaigns.slice(i, i + BATCH) } })));
    for (let i = 0; i < newWorkflows.length; i += BATCH) scoped.push(...(await find({ workflow_id: { $in: newWorkflows.slice(i, i + BATCH) } })));
    for (const r of scoped) loaded.set(r.task_id, r);
    // Parents and loops outside the scopes read so far bring their own scopes in the next round.
    const missing = new Set<string>();
    for (const r of loaded.values()) {
      for (const ref of [str(r.parent_task_id), str(r.group_id)]) if (ref !== undefined && !loaded.has(ref)) missing.add(ref);
    }
    const ids = [...missing];
    fresh = [];
    for (let i = 0; i < ids.length; i += BATCH) fresh.push(...(await find({ task_id: { $in: ids.slice(i, i + BATCH) } })));
  }
  return new RecordsLineageSource(loaded.values(), rule, backend.describe());
}
