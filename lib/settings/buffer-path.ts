import { extname, resolve } from "node:path";
import { fileNamePart } from "../util/file-name-part.js";
import type { FlowceptSettings } from "./settings.js";

/**
 * Resolves the buffer file a record goes to, following
 * `project.dump_buffer` (`path`, `append_workflow_id_to_path`,
 * `append_id_to_path`). `processId` is the per-process suffix. Both become
 * part of the file name only through `fileNamePart`, so a workflow id such
 * as `x/../../elsewhere` never leaves the store's folder.
 */
export function bufferFilePath(settings: FlowceptSettings, workflowId?: string, processId?: string): string {
  const db = settings.project.dump_buffer;
  let path = resolve(db.path);
  const suffixes: string[] = [];
  if (db.append_workflow_id_to_path && workflowId) suffixes.push(fileNamePart(workflowId));
  if (db.append_id_to_path && processId) suffixes.push(fileNamePart(processId));
  if (suffixes.length) {
    const ext = extname(path);
    path = `${path.slice(0, path.length - ext.length)}_${suffixes.join("_")}${ext}`;
  }
  return path;
}
