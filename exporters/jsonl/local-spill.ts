/**
 * Where the local store keeps records it cannot write (a full disk, a
 * read-only folder, `/dev/full`), and how they get back into it. Spill files
 * are JSON Lines in `<spill folder>/local/<store name>-<hash of its path>/`,
 * beside a `store.json` naming the store; the spill folder is the first of
 * `db_buffer.spill_dir`, `~/.flowcept/spill` and `<tmpdir>/flowcept-spill-<uid>`
 * that takes them. A process appends its own spill files to the store once the
 * store is writable again; files of processes that are gone are appended by
 * the next process that writes the store, or by {@link replayLocalSpill}.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { diag } from "@opentelemetry/api";
import { SpillFile } from "../../lib/records/SpillFile.js";
import { getSettingsSafe } from "../../lib/settings/settings-loader.js";
import { errorMessage } from "../../lib/util/error-message.js";
import { fileNamePart } from "../../lib/util/file-name-part.js";
import { appendToFile } from "./file-appender.js";

const STORE_FILE = "store.json";
const REPLAY_CHUNK = 4096;

/** The spill folders tried in order: `preferred`, `db_buffer.spill_dir`, `~/.flowcept/spill`, `<tmpdir>/flowcept-spill-<uid>`. */
export function localSpillRoots(preferred?: string): string[] {
  const roots = [preferred, getSettingsSafe().db_buffer.spill_dir, join(homedir(), ".flowcept", "spill"), join(tmpdir(), `flowcept-spill-${process.getuid?.() ?? "user"}`)];
  return [...new Set(roots.filter((r): r is string => typeof r === "string" && r !== "").map((r) => resolve(r)))];
}

/** The folder of `storePath`'s spill files under the spill folder `root`. */
export function storeSpillDir(root: string, storePath: string): string {
  const abs = resolve(storePath);
  const hash = createHash("sha256").update(abs).digest("hex").slice(0, 12);
  return join(root, "local", `${fileNamePart(basename(abs)).slice(0, 60)}-${hash}`);
}

/** A new spill file for `storePath` in the first of `roots` that takes one. Throws when none does. */
export function createStoreSpill(storePath: string, roots: readonly string[]): SpillFile {
  const errors: string[] = [];
  for (const root of roots) {
    const dir = storeSpillDir(root, storePath);
    try {
      const file = SpillFile.create(dir);
      writeFileSync(join(dir, STORE_FILE), `${JSON.stringify({ path: resolve(storePath) })}\n`);
      return file;
    } catch (err) {
      errors.push(`${dir}: ${errorMessage(err)}`);
    }
  }
  throw new Error(`no spill folder takes records (${errors.join("; ")})`);
}

/**
 * Appends what `file` holds and was not appended yet to the store at
 * `storePath`. Throws when the store refuses (what was appended stays marked
 * as done in `file`). Returns the records appended.
 */
export function appendSpillToStore(file: SpillFile, storePath: string, owned: boolean): number {
  let n = 0;
  for (;;) {
    const chunk = file.readNext(REPLAY_CHUNK, owned);
    if (chunk.records.length) {
      let text = "";
      for (const r of chunk.records) text += `${JSON.stringify(r)}\n`;
      appendToFile(storePath, text);
      n += chunk.records.length;
    }
    file.advance(chunk.end);
    if (!chunk.records.length || !file.pending) return n;
  }
}

/** Options of {@link replayLocalSpill}. */
export interface ReplayLocalSpillOptions {
  /** Only spill files of this store (default: of every store found). */
  storePath?: string | undefined;
  /** Spill folders to look in (default: `db_buffer.spill_dir`, `~/.flowcept/spill` and `<tmpdir>/flowcept-spill-<uid>`). */
  spillDirs?: string[] | undefined;
  /** Also take files of live processes and other hosts. Default false. */
  all?: boolean | undefined;
}

/** What {@link replayLocalSpill} did. */
export interface LocalReplayResult {
  /** Spill files taken. */
  files: number;
  /** Records appended to their stores. */
  records: number;
  /** Stores written to. */
  stores: string[];
  /** Spill files left (their store is still not writable), with the reason. */
  remaining: { path: string; store: string; reason: string }[];
}

function storeOf(dir: string): string | undefined {
  try {
    const v = JSON.parse(readFileSync(join(dir, STORE_FILE), "utf8")) as { path?: unknown };
    return typeof v.path === "string" ? v.path : undefined;
  } catch {
    return undefined;
  }
}

function storeDirs(roots: readonly string[], storePath: string | undefined): string[] {
  if (storePath !== undefined) return roots.map((r) => storeSpillDir(r, storePath)).filter((d) => existsSync(d));
  const out: string[] = [];
  for (const root of roots) {
    let names: string[] = [];
    try {
      names = readdirSync(join(root, "local"));
    } catch {
      continue;
    }
    for (const name of names) out.push(join(root, "local", name));
  }
  return out;
}

/**
 * Appends the local store's spill files to their stores: those of processes
 * that are gone (all of them with `all`), oldest first. A file is deleted
 * once appended; a file whose store still refuses is kept for later.
 */
export function replayLocalSpill(options: ReplayLocalSpillOptions = {}): LocalReplayResult {
  const result: LocalReplayResult = { files: 0, records: 0, stores: [], remaining: [] };
  const storePath = options.storePath === undefined ? undefined : resolve(options.storePath);
  for (const dir of storeDirs(options.spillDirs?.map((d) => resolve(d)) ?? localSpillRoots(), storePath)) {
    const store = storeOf(dir) ?? storePath;
    if (store === undefined || (storePath !== undefined && resolve(store) !== storePath)) continue;
    const files = SpillFile.claimOrphans(dir, options.all ?? false);
    for (const file of files) {
      result.files++;
      try {
        result.records += appendSpillToStore(file, store, false);
        if (!result.stores.includes(store)) result.stores.push(store);
      } catch (err) {
        result.remaining.push({ path: SpillFile.releasedPath(file.path), store, reason: errorMessage(err) });
      }
      file.close();
    }
    if (files.length) removeIfEmpty(dir);
  }
  if (result.records) diag.info(`flowcept: ${result.records} records from ${result.files} spill file(s) appended to ${result.stores.join(", ")}`);
  return result;
}

/** Removes a store's spill folder once it holds no spill file. */
export function removeIfEmpty(dir: string): void {
  try {
    if (!readdirSync(dir).every((n) => n === STORE_FILE)) return;
    rmSync(join(dir, STORE_FILE), { force: true });
    rmdirSync(dir);
  } catch {
    // a spill file appeared meanwhile, or the folder is gone
  }
}
