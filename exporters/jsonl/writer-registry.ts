/**
 * Which processes are writing a buffer file: each writer leaves an empty
 * file named `<host>-<pid>@<file name>` in a hidden `.flowcept-writers/`
 * folder beside it while it has the file open (the folder goes when the last
 * writer closes). `delete_previous_file` empties a file only when no other
 * live writer is listed, so one process never wipes what another is writing.
 * Entries of processes of this host that are gone are removed when seen;
 * entries of other hosts (a shared file system) count as live.
 */
import { mkdirSync, readdirSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { HOST_IN_FILE_NAMES, processAlive } from "../../lib/process/file-owner.js";
import { fileNamePart } from "../../lib/util/file-name-part.js";

const HOST = HOST_IN_FILE_NAMES;
const ME = `${HOST}-${process.pid}`;
const ENTRY = /^(.+)-(\d+)@(.+)$/;
const REGISTRY = ".flowcept-writers";

function entry(path: string, who = ME): string {
  return join(dirname(path), REGISTRY, `${who}@${fileNamePart(basename(path))}`);
}

/** Lists this process as a writer of `path`. Never throws: a folder that refuses it fails the write itself. */
export function registerWriter(path: string): void {
  try {
    mkdirSync(join(dirname(path), REGISTRY), { recursive: true });
    writeFileSync(entry(path), "");
  } catch {
    // an unwritable folder: the append that follows reports it
  }
}

/** Removes this process from the writers of `path`, and the folder when no writer is left. */
export function unregisterWriter(path: string): void {
  try {
    rmSync(entry(path), { force: true });
    rmdirSync(join(dirname(path), REGISTRY));
  } catch {
    // other writers are listed, or the folder is gone
  }
}

/** The other live processes writing `path` (`<host>-<pid>`); stale entries of this host are removed. */
export function otherWriters(path: string): string[] {
  const dir = join(dirname(path), REGISTRY);
  const name = fileNamePart(basename(path));
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const n of names) {
    const m = ENTRY.exec(n);
    if (!m || m[3] !== name) continue;
    const who = `${m[1]}-${m[2]}`;
    if (who === ME) continue;
    if (m[1] === HOST && !processAlive(Number(m[2]))) {
      rmSync(join(dir, n), { force: true });
      continue;
    }
    out.push(who);
  }
  return out;
}
