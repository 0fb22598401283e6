import { extname, resolve } from "node:path";
import type { FlowceptSettings } from "./settings.js";

/**
 * Resolves the buffer file a record goes to, following
 * `project.dump_buffer` (`path`, `append_workflow_id_to_path`,
 * `append_id_to_path`). `processId` is the per-process suffix.
 */
export function bufferFilePath(settings: FlowceptSettings, workflowId?: string, processId?: string): string {
  const db = settings.project.dump_buffer;
  let path = resolve(db.path);
  const suffixes: string[] = [];
  if (db.append_workflow_id_to_path && workflowId) suffixes.push(workflowId);
  if (db.append_id_to_path && processId) suffixes.push(processId);
  if (suffixes.length) {
    const ext = extname(path);
    path = `${path.slice(0, path.length - ext.length)}_${suffixes.join("_")}${ext}`;
  }
  return path;
}
