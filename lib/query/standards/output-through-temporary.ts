/**
 * How an export writes its output: built at a temporary path beside the
 * destination and renamed into place, so an output is never half-written
 * and nothing is written through a link planted at its path. A failure
 * leaves nothing behind and is reported with the destination's name.
 */
import { renameSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { errorMessage } from "../../util/error-message.js";
import { FlowceptQueryError } from "../query-types.js";

/** Writes `path` through `write(temporary)`, which must create the temporary path itself. Resolves to the absolute path. */
export async function writeThroughTemporary(path: string, write: (temporary: string) => void | Promise<void>): Promise<string> {
  const out = resolve(path);
  const tmp = join(dirname(out), `.${Date.now().toString(36)}-${process.pid}-${Math.random().toString(36).slice(2)}.partial`);
  try {
    await write(tmp);
    renameSync(tmp, out);
  } catch (err) {
    try {
      rmSync(tmp, { recursive: true, force: true });
    } catch {
      // Nothing was created (the folder is missing or is a file): the first error says why.
    }
    throw err instanceof FlowceptQueryError ? err : new FlowceptQueryError(`cannot write ${out}: ${errorMessage(err)}`);
  }
  return out;
}
