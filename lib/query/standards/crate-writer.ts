/**
 * Writes a crate as a directory or as a zip file. The directory is built
 * beside its destination and renamed into place, and the zip written to a
 * temporary file first, so a crate is never half-written and nothing is
 * written through a link planted at its path. An existing non-empty
 * directory is refused rather than mixed with the crate.
 */
import { createWriteStream, existsSync, mkdirSync, readdirSync, rmdirSync, statSync, writeFileSync } from "node:fs";
import { once } from "node:events";
import { dirname, join, resolve } from "node:path";
import yazl from "yazl";
import { FlowceptQueryError } from "../query-types.js";
import { writeThroughTemporary } from "./output-through-temporary.js";
import type { RoCrate } from "./ro-crate.js";

function filesOf(crate: RoCrate): [string, string][] {
  return [["ro-crate-metadata.json", `${JSON.stringify(crate.metadata, null, 2)}\n`], ...crate.files];
}

/** Writes `crate` into the directory `path` (which must not exist, or be empty). Resolves to its absolute path. */
export function writeCrateDirectory(crate: RoCrate, path: string): Promise<string> {
  const out = resolve(path);
  if (existsSync(out)) {
    if (!statSync(out).isDirectory() || readdirSync(out).length > 0) throw new FlowceptQueryError(`${out} exists and is not an empty directory: give a new path for the crate`);
    rmdirSync(out);
  }
  return writeThroughTemporary(out, (tmp) => {
    mkdirSync(tmp, { recursive: true });
    for (const [name, text] of filesOf(crate)) {
      mkdirSync(dirname(join(tmp, name)), { recursive: true });
      writeFileSync(join(tmp, name), text, { flag: "wx" });
    }
  });
}

/** Writes `crate` as a zip file at `path` (replacing a file there). Resolves to its absolute path. */
export function writeCrateZip(crate: RoCrate, path: string): Promise<string> {
  const out = resolve(path);
  if (existsSync(out) && statSync(out).isDirectory()) throw new FlowceptQueryError(`${out} is a directory: give a file name ending in .zip`);
  return writeThroughTemporary(out, async (tmp) => {
    const zip = new yazl.ZipFile();
    const mtime = new Date();
    for (const [name, text] of filesOf(crate)) zip.addBuffer(Buffer.from(text), name, { mtime });
    zip.end();
    const file = createWriteStream(tmp, { flags: "wx" });
    try {
      const failed = new Promise<never>((_, reject) => {
        file.once("error", reject);
        zip.outputStream.once("error", reject);
      });
      zip.outputStream.pipe(file);
      await Promise.race([once(file, "close"), failed]);
    } catch (err) {
      file.destroy();
      throw err;
    }
  });
}
