/**
 * A workflow as a Workflow Run RO-Crate following the Provenance Run Crate
 * profile 0.5 (RO-Crate 1.1):
 *
 * - the workflow is the crate's `mainEntity`: `workflow.json` (its Flowcept
 *   record) typed File, SoftwareSourceCode, ComputationalWorkflow and HowTo,
 *   with its arguments and results as `FormalParameter`s, its activities as
 *   tools (`hasPart`) and steps (`step`);
 * - each activity is a tool (`SoftwareApplication` with the keys of its
 *   tasks' `used` and `generated` as input and output `FormalParameter`s),
 *   a `HowToStep` and a `ControlAction` whose objects are its tasks' runs;
 * - each task is a `CreateAction` (instrument = its tool, object = what it
 *   used, result = what it generated, start and end times, `actionStatus`,
 *   `error`, agent = the workflow's user), and so is the workflow run;
 * - the capture engine's run is an `OrganizeAction` (instrument =
 *   flowcept-otel, object = the `ControlAction`s, result = the workflow run);
 * - values are `PropertyValue`s (one per distinct content, as in PROV), and
 *   values larger than `maxInlineValueBytes` are JSON files in `values/`;
 * - `ro-crate-preview.html` shows it to people.
 */
import { VERSION } from "../../process/version.js";
import { isoTime } from "../../util/iso-time.js";
import { cappedText, textOf, wellFormed } from "./export-text.js";
import type { ExportInput } from "./export-input.js";
import { cratePreview } from "./ro-crate-preview.js";
import { valueModel, type ValueEntity, type ValueUse } from "./value-entities.js";
import { localName } from "./vocabulary.js";

type Json = Record<string, unknown>;

/** Options of the RO-Crate mapping. */
export interface RoCrateOptions {
  /** Values whose JSON is longer are written as files in `values/`. Default 4096. */
  maxInlineValueBytes?: number | undefined;
  /** The crate's license: a URL (an SPDX license page) or a text. Default: a note that none was given. */
  license?: string | undefined;
  /** The crate's `datePublished` (ISO 8601). Default: now. */
  datePublished?: string | undefined;
}

/** A crate: its metadata and every file in it, by path relative to the crate's root. */
export interface RoCrate {
  metadata: Json;
  files: Map<string, string>;
}

const PROFILES = [
  { id: "https://w3id.org/ro/wfrun/process/0.5", name: "Process Run Crate", version: "0.5" },
  { id: "https://w3id.org/ro/wfrun/workflow/0.5", name: "Workflow Run Crate", version: "0.5" },
  { id: "https://w3id.org/ro/wfrun/provenance/0.5", name: "Provenance Run Crate", version: "0.5" },
  { id: "https://w3id.org/workflowhub/workflow-ro-crate/1.0", name: "Workflow RO-Crate", version: "1.0" },
];
const WORKFLOW_FILE = "workflow.json";
const STATUS: Record<string, string> = { FINISHED: "http://schema.org/CompletedActionStatus", ERROR: "http://schema.org/FailedActionStatus", RUNNING: "http://schema.org/ActiveActionStatus", SUBMITTED: "http://schema.org/PotentialActionStatus", WAITING: "http://schema.org/PotentialActionStatus" };
/** Times as the profiles' validator expects them: milliseconds and `+00:00`. */
const time = (seconds: unknown): string | undefined => isoTime(seconds, 3, "+00:00");
const MAX_TEXT = 16_384;

const ref = (id: string): Json => ({ "@id": id });

function str(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

/** The FormalParameter type of a value (a schema.org DataType, or PropertyValue for structures). */
function additionalType(v: unknown): string {
  if (typeof v === "string") return "Text";
  if (typeof v === "boolean") return "Boolean";
  if (typeof v === "number") return Number.isInteger(v) ? "Integer" : "Float";
  return "PropertyValue";
}

/** A PropertyValue's `value`: numbers and booleans as they are, text as text, anything else as its JSON. */
function propertyValue(e: ValueEntity): unknown {
  if (typeof e.value === "number" && Number.isFinite(e.value)) return e.value;
  if (typeof e.value === "boolean") return e.value;
  if (typeof e.value === "string") return wellFormed(e.value);
  return wellFormed(e.json);
}

function readme(name: string, input: ExportInput): string {
  return `# Run of workflow ${name.replace(/[\r\n]+/g, " ")}\n\nA Workflow Run RO-Crate (Provenance Run Crate 0.5) of the run ${input.workflowId}: ${input.tasks.length} tasks, exported by flowcept-otel ${VERSION}.\n\n- \`ro-crate-metadata.json\`: the run, its steps and task runs, and the values they used and generated.\n- \`ro-crate-preview.html\`: the same for people.\n- \`workflow.json\`: the Flowcept workflow record.\n- \`values/\`: values too large to be written inline.\n`;
}

/** The crate of an export input (see the module's description). */
export function roCrate(input: ExportInput, options: RoCrateOptions = {}): RoCrate {
  const maxInline = options.maxInlineValueBytes ?? 4096;
  const wf = input.workflow;
  const wfName = cappedText(str(wf?.name) ?? "workflow", 1024);
  const files = new Map<string, string>();
  const graph: Json[] = [];
  const entities = new Map<string, Json>();
  const add = (e: Json): Json => {
    const id = String(e["@id"]);
    const known = entities.get(id);
    if (known) return known;
    entities.set(id, e);
    graph.push(e);
    return e;
  };

  const taskRef = (id: string): string => `#task-${localName(id)}`;
  const toolRef = (activity: string): string => `#tool-${localName(activity)}`;
  const paramRef = (owner: string, dir: "in" | "out", key: string): string => `${owner === WORKFLOW_FILE ? `${WORKFLOW_FILE}#` : `${owner}-`}${dir}-${localName(key)}`;

  add({ "@id": "ro-crate-metadata.json", "@type": "CreativeWork", about: ref("./"), conformsTo: [ref("https://w3id.org/ro/crate/1.1"), ref("https://w3id.org/workflowhub/workflow-ro-crate/1.0")] });
  const root = add({
    "@id": "./",
    "@type": "Dataset",
    name: `Run of workflow ${wfName}`,
    description: cappedText(`Provenance of the run ${input.workflowId} of workflow ${wfName}, recorded by flowcept-otel ${VERSION} and exported as a Provenance Run Crate.`, 4096),
    datePublished: options.datePublished ?? new Date().toISOString(),
    license: options.license ? (/^https?:\/\//.test(options.license) ? ref(options.license) : options.license) : ref("#license"),
    conformsTo: PROFILES.map((p) => ref(p.id)),
    mainEntity: ref(WORKFLOW_FILE),
    hasPart: [ref(WORKFLOW_FILE)],
    mentions: [ref("#workflow-run")],
  });
  for (const p of PROFILES) add({ "@id": p.id, "@type": "CreativeWork", name: p.name, version: p.version });
  if (!options.license) add({ "@id": "#license", "@type": "CreativeWork", name: "No license stated", description: "The license of these records was not stated when they were exported (flowcept-otel export --license)." });
  else if (/^https?:\/\//.test(options.license)) add({ "@id": options.license, "@type": "CreativeWork", name: options.license });

  files.set(WORKFLOW_FILE, `${JSON.stringify(wf ?? { workflow_id: input.workflowId }, null, 2)}\n`);
  const workflow = add({
    "@id": WORKFLOW_FILE,
    "@type": ["File", "SoftwareSourceCode", "ComputationalWorkflow", "HowTo"],
    name: wfName,
    description: "The Flowcept workflow record of the run: its name, arguments, settings, machine and status.",
    encodingFormat: "application/json",
    programmingLanguage: ref("#flowcept-records"),
    input: [],
    output: [],
    hasPart: [],
    step: [],
  });
  add({ "@id": "#flowcept-records", "@type": "ComputerLanguage", name: "Flowcept records", alternateName: "Flowcept", url: ref("https://github.com/ORNL/flowcept") });

  const user = str(wf?.user);
  const agent = user ? add({ "@id": `#person-${localName(user)}`, "@type": "Person", name: cappedText(user, 1024) }) : undefined;

  // Tools and their parameters: one per activity, parameters from its tasks' keys.
  const params = new Map<string, Json>();
  const param = (owner: string, dir: "in" | "out", key: string, value: unknown): string => {
    const id = paramRef(owner, dir, key);
    if (!params.has(id)) {
      const p = add({ "@id": id, "@type": "FormalParameter", name: cappedText(key, 1024), additionalType: additionalType(value) });
      params.set(id, p);
      const holder = owner === WORKFLOW_FILE ? workflow : entities.get(owner)!;
      (holder[dir === "in" ? "input" : "output"] as Json[]).push(ref(id));
    }
    return id;
  };
  const tools = new Map<string, Json>();
  const activityOf = (t: Record<string, unknown>): string => str(t.activity_id) ?? "task";
  for (const t of input.tasks) {
    const activity = activityOf(t);
    if (tools.has(activity)) continue;
    const tool = add({ "@id": toolRef(activity), "@type": "SoftwareApplication", name: cappedText(activity, 1024), input: [], output: [] });
    tools.set(activity, tool);
    (workflow.hasPart as Json[]).push(ref(tool["@id"] as string));
  }

  // Values: PropertyValues by content, or files when large.
  const values = valueModel(input);
  const valueRefs = new Map<string, string>();
  const valueEntity = (e: ValueEntity): Json => {
    const known = valueRefs.get(e.id);
    if (known) return entities.get(known)!;
    const bytes = Buffer.byteLength(e.json);
    let node: Json;
    if (bytes > maxInline) {
      const path = `values/${e.contentId ?? localName(e.id).replace(/%/g, "_")}.json`;
      files.set(path, e.json);
      node = add({ "@id": path, "@type": "File", name: cappedText([...e.keys].join(", "), 1024), encodingFormat: "application/json", contentSize: String(bytes), exampleOfWork: [] });
      (root.hasPart as Json[]).push(ref(path));
    } else {
      node = add({ "@id": `#value-${localName(e.id)}`, "@type": "PropertyValue", name: cappedText([...e.keys].join(", "), 1024), value: propertyValue(e), exampleOfWork: [] });
    }
    valueRefs.set(e.id, String(node["@id"]));
    return node;
  };
  const link = (u: ValueUse, owner: string): string => {
    const node = valueEntity(u.entity);
    const p = param(owner, u.role === "used" ? "in" : "out", u.key, u.entity.value);
    const examples = node.exampleOfWork as Json[];
    if (!examples.some((x) => x["@id"] === p)) examples.push(ref(p));
    return String(node["@id"]);
  };

  const usesOf = new Map<string | undefined, ValueUse[]>();
  for (const u of values.uses) (usesOf.get(u.taskId) ?? usesOf.set(u.taskId, []).get(u.taskId)!).push(u);
  const ioOf = (owner: string, uses: ValueUse[] | undefined): { object: Json[]; result: Json[] } => {
    const object: Json[] = [];
    const result: Json[] = [];
    for (const u of uses ?? []) {
      const id = link(u, owner);
      const list = u.role === "used" ? object : result;
      if (!list.some((x) => x["@id"] === id)) list.push(ref(id));
    }
    return { object, result };
  };
  const status = (rec: Record<string, unknown> | undefined, action: Json): void => {
    const s = str(rec?.status);
    if (s && STATUS[s]) action.actionStatus = STATUS[s];
    const error = textOf(rec?.stderr, MAX_TEXT);
    if (error && s === "ERROR") action.error = error;
  };

  const wfRun = add({ "@id": "#workflow-run", "@type": "CreateAction", name: `Run of workflow ${wfName}`, description: cappedText(`Workflow run ${input.workflowId}: ${String(wf?.status ?? "status unknown")}`, 2048), instrument: ref(WORKFLOW_FILE), identifier: cappedText(input.workflowId, 1024), ...ioOf(WORKFLOW_FILE, usesOf.get(undefined)) });
  if (time(wf?.started_at)) wfRun.startTime = time(wf!.started_at);
  if (time(wf?.ended_at)) wfRun.endTime = time(wf!.ended_at);
  if (agent) wfRun.agent = ref(String(agent["@id"]));
  status(wf, wfRun);

  const controls = new Map<string, Json>();
  let position = 0;
  for (const t of input.tasks) {
    const activity = activityOf(t);
    const taskId = String(t.task_id);
    const tool = tools.get(activity)!;
    const action = add({ "@id": taskRef(taskId), "@type": "CreateAction", name: cappedText(`Run of ${activity}`, 1024), description: cappedText(`Task ${taskId} of activity ${activity}: ${String(t.status ?? "status unknown")}`, 2048), identifier: cappedText(taskId, 1024), instrument: ref(String(tool["@id"])), ...ioOf(String(tool["@id"]), usesOf.get(taskId)) });
    if (time(t.started_at)) action.startTime = time(t.started_at);
    if (time(t.ended_at)) action.endTime = time(t.ended_at);
    (root.mentions as Json[]).push(ref(String(action["@id"])));
    if (agent) action.agent = ref(String(agent["@id"]));
    status(t, action);
    let control = controls.get(activity);
    if (!control) {
      const step = add({ "@id": `#step-${localName(activity)}`, "@type": "HowToStep", name: cappedText(activity, 1024), position: String(position++), workExample: ref(String(tool["@id"])) });
      (workflow.step as Json[]).push(ref(String(step["@id"])));
      control = add({ "@id": `#control-${localName(activity)}`, "@type": "ControlAction", name: cappedText(`orchestrate ${activity}`, 1024), instrument: ref(String(step["@id"])), object: [] });
      controls.set(activity, control);
    }
    (control.object as Json[]).push(ref(String(action["@id"])));
  }

  add({ "@id": "#flowcept-otel", "@type": "SoftwareApplication", name: `flowcept-otel ${VERSION}`, version: VERSION, url: ref("https://github.com/flowcept-otel/flowcept-otel") });
  const organize = add({ "@id": "#engine-run", "@type": "OrganizeAction", name: `Run of flowcept-otel ${VERSION}`, instrument: ref("#flowcept-otel"), object: [...controls.values()].map((c) => ref(String(c["@id"]))), result: ref("#workflow-run") });
  if (wfRun.startTime) organize.startTime = wfRun.startTime;
  if (wfRun.endTime) organize.endTime = wfRun.endTime;
  if (agent) organize.agent = ref(String(agent["@id"]));

  files.set("README.md", readme(wfName, input));
  (root.hasPart as Json[]).push(ref("README.md"));
  add({ "@id": "README.md", "@type": "File", name: "README.md", about: ref("./"), encodingFormat: "text/markdown" });
  // RO-Crate's compact form: no empty lists, a single value rather than a list of one.
  for (const e of graph)
    for (const [k, v] of Object.entries(e)) {
      if (k === "@type" || !Array.isArray(v)) continue;
      if (v.length === 0) delete e[k];
      else if (v.length === 1) e[k] = v[0];
    }
  const metadata: Json = { "@context": "https://w3id.org/ro/crate/1.1/context", "@graph": graph };
  files.set("ro-crate-preview.html", cratePreview(metadata, input));
  return { metadata, files };
}
