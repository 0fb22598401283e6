/**
 * A workflow as W3C PROV (PROV-DM), one model for both serialisations
 * (PROV-JSON and PROV-O JSON-LD):
 *
 * - every task is an **activity** (start and end times; activity, status,
 *   host, subtype, error as attributes), and so is the workflow run;
 * - every value of `used` and `generated` is an **entity** (see
 *   `value-entities.ts`: one per distinct content by the lineage rule, or
 *   per task and key for trivial values), with `used` and `wasGeneratedBy`
 *   (role = the key, time = the task's start or end);
 * - the workflow is a **plan** (`prov:Plan`) followed by every activity
 *   (`wasAssociatedWith` … plan), and all its statements are one **bundle**
 *   attributed to the capture engine;
 * - the workflow's user (`prov:Person`), each host and each `agent_id`
 *   (`prov:SoftwareAgent`) are **agents**, associated with the activities
 *   they ran;
 * - a task is `wasInformedBy` its parent task, and what it generated
 *   `wasDerivedFrom` what it used where the dataflow says so (a used value
 *   an earlier task generated).
 */
import { VERSION } from "../../process/version.js";
import { isoTime } from "../../util/iso-time.js";
import { cappedText, textOf } from "./export-text.js";
import type { ExportInput } from "./export-input.js";
import { valueModel, type ValueEntity } from "./value-entities.js";
import { FLOWCEPT_NS, ID_PREFIXES, localName } from "./vocabulary.js";

/** An attribute value: a literal, a qualified name, or a date-time. */
export type ProvValue = string | number | boolean | { qname: string } | { dateTime: string };
/** Attributes by qualified name (`prov:label`, `flowcept:status`). */
export type ProvAttrs = Record<string, ProvValue | ProvValue[]>;

/** An entity or agent. */
export interface ProvNode {
  id: string;
  attrs: ProvAttrs;
}

/** An activity. */
export interface ProvActivity extends ProvNode {
  startTime?: string | undefined;
  endTime?: string | undefined;
}

/** A relation between the nodes of the model. */
export type ProvRelation =
  | { kind: "used"; activity: string; entity: string; time?: string | undefined; role: string }
  | { kind: "wasGeneratedBy"; entity: string; activity: string; time?: string | undefined; role: string }
  | { kind: "wasAssociatedWith"; activity: string; agent: string; plan: string }
  | { kind: "wasInformedBy"; informed: string; informant: string }
  | { kind: "wasDerivedFrom"; generatedEntity: string; usedEntity: string; activity: string }
  | { kind: "wasAttributedTo"; entity: string; agent: string };

/** Statements of the document or of its bundle. */
export interface ProvStatements {
  entities: ProvNode[];
  activities: ProvActivity[];
  agents: ProvNode[];
  relations: ProvRelation[];
}

/** A workflow as PROV: a bundle of statements, and the statements about the bundle. */
export interface ProvModel {
  /** Prefix → namespace IRI of every qualified name used (besides `prov` and `xsd`). */
  prefixes: Record<string, string>;
  /** The bundle's qualified name. */
  bundle: string;
  /** Statements inside the bundle. */
  content: ProvStatements;
  /** Statements about the bundle (its entity, the engine, the attribution). */
  top: ProvStatements;
}

/** Options of the PROV mapping. */
export interface ProvOptions {
  /** Values whose JSON is longer are given by size, content identity and preview, not inline. Default 65536. */
  maxInlineValueBytes?: number | undefined;
}

/** The namespace prefixes of the model. */
export const PROV_PREFIXES = {
  flowcept: FLOWCEPT_NS,
  workflow: ID_PREFIXES.workflow,
  task: ID_PREFIXES.task,
  value: ID_PREFIXES.value,
  agent: ID_PREFIXES.agent,
} as const;

const MAX_TEXT = 16_384;
const PREVIEW = 256;
const q = (qname: string): { qname: string } => ({ qname });

function str(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

/** A literal attribute value of a recorded value, or undefined when it is too long to inline. */
function valueLiteral(e: ValueEntity, max: number): ProvValue | undefined {
  if (Buffer.byteLength(e.json) > max) return undefined;
  if (typeof e.value === "string") return cappedText(e.value, max);
  if (typeof e.value === "number" && Number.isFinite(e.value)) return e.value;
  if (typeof e.value === "boolean") return e.value;
  return cappedText(e.json, max);
}

function entityAttrs(e: ValueEntity, max: number): ProvAttrs {
  const attrs: ProvAttrs = { "prov:type": q("flowcept:Value"), "prov:label": [...e.keys].map((k) => cappedText(k, 256)).join(", ") };
  const literal = valueLiteral(e, max);
  if (literal !== undefined) attrs["prov:value"] = literal;
  else attrs["flowcept:valuePreview"] = cappedText(e.json, PREVIEW);
  attrs["flowcept:valueBytes"] = Buffer.byteLength(e.json);
  if (e.contentId) attrs["flowcept:contentId"] = e.contentId;
  return attrs;
}

/** The PROV model of an export input (see the module's description). */
export function provModel(input: ExportInput, options: ProvOptions = {}): ProvModel {
  const max = options.maxInlineValueBytes ?? 65_536;
  const wf = input.workflow;
  const wfName = str(wf?.name) ?? "workflow";
  const wfId = `workflow:${localName(input.workflowId)}`;
  const plan = `workflow:${localName(input.workflowId)}.plan`;
  const bundle = `workflow:${localName(input.workflowId)}.provenance`;
  const engine = `agent:flowcept-otel`;
  const taskQName = (id: string): string => `task:${localName(id)}`;
  const valueQName = (e: ValueEntity): string => `value:${localName(e.id)}`;

  const content: ProvStatements = { entities: [], activities: [], agents: [], relations: [] };
  const agents = new Map<string, ProvNode>();
  const agent = (id: string, attrs: ProvAttrs): string => {
    if (!agents.has(id)) agents.set(id, { id, attrs });
    return id;
  };

  content.entities.push({ id: plan, attrs: { "prov:type": q("prov:Plan"), "prov:label": cappedText(wfName, 1024), "flowcept:workflow_id": cappedText(input.workflowId, 1024), ...(str(wf?.subtype) ? { "flowcept:subtype": cappedText(String(wf!.subtype), 1024) } : {}) } });
  const user = str(wf?.user);
  const userAgent = user ? agent(`agent:user.${localName(user)}`, { "prov:type": q("prov:Person"), "prov:label": cappedText(user, 1024) }) : undefined;

  const wfAttrs: ProvAttrs = { "prov:type": q("flowcept:Workflow"), "prov:label": cappedText(wfName, 1024), "flowcept:workflow_id": cappedText(input.workflowId, 1024) };
  for (const k of ["campaign_id", "status", "hostname", "parent_workflow_id"] as const) if (str(wf?.[k])) wfAttrs[`flowcept:${k}`] = cappedText(String(wf![k]), 1024);
  const wfError = textOf(wf?.stderr, MAX_TEXT);
  if (wfError) wfAttrs["flowcept:stderr"] = wfError;
  content.activities.push({ id: wfId, startTime: isoTime(wf?.started_at), endTime: isoTime(wf?.ended_at), attrs: wfAttrs });
  content.relations.push({ kind: "wasAssociatedWith", activity: wfId, agent: userAgent ?? agent(engine, {}), plan });

  const taskIds = new Set(input.tasks.map((t) => String(t.task_id)));
  for (const t of input.tasks) {
    const id = taskQName(String(t.task_id));
    const attrs: ProvAttrs = { "prov:type": q(t.subtype === "loop" ? "flowcept:Loop" : "flowcept:Task"), "prov:label": cappedText(str(t.activity_id) ?? "task", 1024), "flowcept:task_id": cappedText(String(t.task_id), 1024) };
    for (const k of ["activity_id", "status", "subtype", "hostname", "group_id", "agent_id", "adapter_id"] as const) if (str(t[k])) attrs[`flowcept:${k}`] = cappedText(String(t[k]), 1024);
    if (Array.isArray(t.tags)) {
      const tags = t.tags.filter((x): x is string => typeof x === "string").map((x) => cappedText(x, 1024));
      if (tags.length) attrs["flowcept:tags"] = tags;
    }
    for (const k of ["stdout", "stderr"] as const) {
      const text = textOf(t[k], MAX_TEXT);
      if (text) attrs[`flowcept:${k}`] = text;
    }
    content.activities.push({ id, startTime: isoTime(t.started_at), endTime: isoTime(t.ended_at), attrs });
    const host = str(t.hostname);
    const by: string[] = [];
    if (host) by.push(agent(`agent:host.${localName(host)}`, { "prov:type": q("flowcept:Host"), "prov:label": cappedText(host, 1024) }));
    const agentId = str(t.agent_id);
    if (agentId) by.push(agent(`agent:agent.${localName(agentId)}`, { "prov:type": q("prov:SoftwareAgent"), "prov:label": cappedText(agentId, 1024), "flowcept:agent_id": cappedText(agentId, 1024) }));
    if (!by.length) by.push(userAgent ?? agent(engine, {}));
    for (const a of by) content.relations.push({ kind: "wasAssociatedWith", activity: id, agent: a, plan });
    const parent = str(t.parent_task_id);
    if (parent && taskIds.has(parent) && parent !== String(t.task_id)) content.relations.push({ kind: "wasInformedBy", informed: id, informant: taskQName(parent) });
  }

  const values = valueModel(input);
  for (const e of values.entities.values()) content.entities.push({ id: valueQName(e), attrs: entityAttrs(e, max) });
  const startOf = new Map(input.tasks.map((t) => [String(t.task_id), t]));
  const derivedFrom = new Map<string, string[]>();
  for (const u of values.uses) {
    const task = u.taskId === undefined ? wf : startOf.get(u.taskId);
    const activity = u.taskId === undefined ? wfId : taskQName(u.taskId);
    const role = cappedText(u.key, 1024);
    if (u.role === "used") {
      content.relations.push({ kind: "used", activity, entity: valueQName(u.entity), time: isoTime(task?.started_at), role });
      if (u.dataflow && u.taskId !== undefined) (derivedFrom.get(u.taskId) ?? derivedFrom.set(u.taskId, []).get(u.taskId)!).push(valueQName(u.entity));
    } else {
      content.relations.push({ kind: "wasGeneratedBy", entity: valueQName(u.entity), activity, time: isoTime(task?.ended_at), role });
    }
  }
  const derivations = new Set<string>();
  for (const u of values.uses) {
    if (u.role !== "generated" || u.taskId === undefined) continue;
    for (const used of derivedFrom.get(u.taskId) ?? []) {
      const generated = valueQName(u.entity);
      const key = `${generated} ${used} ${u.taskId}`;
      if (generated === used || derivations.has(key)) continue;
      derivations.add(key);
      content.relations.push({ kind: "wasDerivedFrom", generatedEntity: generated, usedEntity: used, activity: taskQName(u.taskId) });
    }
  }
  content.agents.push(...agents.values());

  const engineNode: ProvNode = { id: engine, attrs: { "prov:type": q("prov:SoftwareAgent"), "prov:label": `flowcept-otel ${VERSION}` } };
  const top: ProvStatements = {
    entities: [{ id: bundle, attrs: { "prov:type": q("prov:Bundle"), "prov:label": cappedText(`Provenance of workflow ${wfName} (${input.workflowId})`, 2048) } }],
    activities: [],
    agents: [engineNode],
    relations: [{ kind: "wasAttributedTo", entity: bundle, agent: engine }],
  };
  const inner = content.agents.find((a) => a.id === engine);
  if (inner) inner.attrs = engineNode.attrs;
  return { prefixes: { ...PROV_PREFIXES }, bundle, content, top };
}
