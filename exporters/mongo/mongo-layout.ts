/**
 * Flowcept's MongoDB layout: which collection each record type goes to, the
 * id it is upserted by, and the indexes each collection carries.
 */

/** A collection of Flowcept's database and the record type stored in it. */
export interface CollectionLayout {
  name: string;
  type: string;
  idField: string;
  /** Indexed fields; the id field's index is unique. */
  indexes: { field: string; unique: boolean }[];
}

/** Flowcept's collections, with the indexes Flowcept's MongoDB DAO creates. */
export const COLLECTIONS: readonly CollectionLayout[] = [
  {
    name: "tasks",
    type: "task",
    idField: "task_id",
    indexes: [
      { field: "task_id", unique: true },
      { field: "workflow_id", unique: false },
      { field: "parent_task_id", unique: false },
      { field: "campaign_id", unique: false },
      { field: "agent_id", unique: false },
    ],
  },
  {
    name: "workflows",
    type: "workflow",
    idField: "workflow_id",
    indexes: [
      { field: "workflow_id", unique: true },
      { field: "parent_workflow_id", unique: false },
      { field: "campaign_id", unique: false },
    ],
  },
  { name: "agents", type: "agent", idField: "agent_id", indexes: [{ field: "agent_id", unique: true }] },
  {
    name: "objects",
    type: "object",
    idField: "object_id",
    indexes: [
      { field: "object_id", unique: true },
      { field: "workflow_id", unique: false },
      { field: "task_id", unique: false },
      { field: "campaign_id", unique: false },
    ],
  },
];

/** The layout for a record type, or undefined for a type with no collection. */
export function layoutForType(type: unknown): CollectionLayout | undefined {
  return COLLECTIONS.find((c) => c.type === type);
}
