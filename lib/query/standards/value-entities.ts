/**
 * The values of a workflow as the standards' entities. Each top-level entry
 * of a task's (or the workflow's) `used` and `generated` is one use of an
 * entity: a value the lineage rule finds non-trivial is one entity per
 * distinct content, identified by its content identity (`valueId`, SHA-256
 * of its canonical JSON), so the output of one task and the input of the
 * next are the same entity; a trivial value (`0`, `true`, `"a"`) is an
 * entity of its own per task, role and key.
 */
import { isPlainObject } from "../../util/plain-object.js";
import { isNonTrivial, valueId } from "../lineage-rule.js";
import type { ExportInput } from "./export-input.js";

/** A value as an entity of the exports. */
export interface ValueEntity {
  /** `sha256-<64 hex digits>` by content, or `<holder>/<role>/<key>` for a trivial value. */
  id: string;
  /** The content identity (64 hex digits) of a value identified by content. */
  contentId: string | undefined;
  value: unknown;
  /** Its JSON text. */
  json: string;
  /** Key names it was recorded under. */
  keys: Set<string>;
}

/** One entry of a task's (or the workflow's) `used` or `generated`. */
export interface ValueUse {
  /** The task id, or undefined for the workflow's own `used`/`generated`. */
  taskId: string | undefined;
  role: "used" | "generated";
  key: string;
  entity: ValueEntity;
  /** A used value that an earlier task generated, by the lineage rule. */
  dataflow: boolean;
}

/** The entities of a workflow and their uses, in the order met. */
export interface ValueModel {
  entities: Map<string, ValueEntity>;
  uses: ValueUse[];
}

/** The value entities of an export input. */
export function valueModel(input: ExportInput): ValueModel {
  const entities = new Map<string, ValueEntity>();
  const uses: ValueUse[] = [];
  const add = (taskId: string | undefined, role: ValueUse["role"], values: unknown, linked: Set<string> | undefined): void => {
    if (!isPlainObject(values)) return;
    for (const [key, value] of Object.entries(values)) {
      let contentId: string | undefined;
      let id: string;
      if (isNonTrivial(value, input.rule)) {
        contentId = valueId(value);
        id = `sha256-${contentId}`;
      } else {
        id = `${taskId ?? "workflow"}/${role}/${key}`;
      }
      let entity = entities.get(id);
      if (!entity) entities.set(id, (entity = { id, contentId, value, json: JSON.stringify(value) ?? "null", keys: new Set() }));
      entity.keys.add(key);
      const dataflow = role === "used" && linked !== undefined && [...linked].some((p) => p === key || p.startsWith(`${key}.`));
      uses.push({ taskId, role, key, entity, dataflow });
    }
  };
  add(undefined, "used", input.workflow?.used, undefined);
  for (const t of input.tasks) {
    const id = String(t.task_id);
    add(id, "used", t.used, input.linkedUses.get(id));
    add(id, "generated", t.generated, undefined);
  }
  add(undefined, "generated", input.workflow?.generated, undefined);
  return { entities, uses };
}
