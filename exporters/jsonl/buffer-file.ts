/**
 * The local store's file format: JSON Lines, one Flowcept message per line,
 * as Flowcept's `dump_buffer` writes. Readers tolerate a torn last line (a
 * writer may be mid-append) and skip corrupt lines with a warning.
 */
import { existsSync, readdirSync } from "node:fs";
import { basename, dirname, extname, join, resolve } from "node:path";
import { diag } from "@opentelemetry/api";
import { mergeRecords } from "../../lib/records/merge-records.js";
import { enrichRecord } from "../../lib/records/enrich-record.js";
import { withRecordType } from "../../lib/records/record-type.js";
import type { FlowceptRecord } from "../../lib/records/records.js";
import { lineChunks, lineChunksSync } from "./line-chunks.js";

/** Options of `Flowcept.readBufferFile`. */
export interface ReadBufferOptions {
  /**
   * Merge messages for the same id (a workflow's start and end messages, a
   * task's RUNNING and FINISHED messages) as a database would. Default true.
   */
  merge?: boolean | undefined;
}

/**
 * Every file that belongs to the store whose base path is `basePath`: the
 * file itself and its suffixed siblings (`<name>_<suffix><ext>`).
 */
export function bufferFileFamily(basePath: string): string[] {
  const abs = resolve(basePath);
  const dir = dirname(abs);
  const ext = extname(abs);
  const stem = basename(abs, ext);
  const out: string[] = [];
  if (existsSync(abs)) out.push(abs);
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of names.sort()) {
    if (name.startsWith(`${stem}_`) && name.endsWith(ext) && name !== basename(abs)) out.push(join(dir, name));
  }
  return out;
}

/**
 * Parses JSON Lines text. A last line without its newline that does not
 * parse is a torn write and is left out quietly; any other bad line is
 * skipped with a warning naming the file and line. A message without `type`
 * (Flowcept writes some) gets the type Flowcept's inserter would infer.
 * Returns the number of the line after the text.
 */
export function parseJsonLines(text: string, source: string, onRecord: (r: FlowceptRecord) => void, firstLine = 1): number {
  let start = 0;
  let line = firstLine;
  while (start < text.length) {
    let end = text.indexOf("\n", start);
    const torn = end === -1;
    if (torn) end = text.length;
    if (end > start) {
      const chunk = text.slice(start, end);
      try {
        const value = JSON.parse(chunk) as unknown;
        if (value && typeof value === "object" && !Array.isArray(value)) onRecord(withRecordType(value as FlowceptRecord));
        else diag.warn(`flowcept: ${source}:${line}: not a JSON object, skipped`);
      } catch {
        if (!torn && chunk.trim() !== "") diag.warn(`flowcept: ${source}:${line}: corrupt line skipped`);
        else if (torn) diag.debug(`flowcept: ${source}:${line}: incomplete last line ignored`);
      }
    }
    start = end + 1;
    line++;
  }
  return line;
}

/** The records of a buffer file as written (not merged), read chunk by chunk. */
function* recordsOf(abs: string): Generator<FlowceptRecord> {
  let line = 1;
  const batch: FlowceptRecord[] = [];
  for (const { text } of lineChunksSync(abs)) {
    line = parseJsonLines(text, abs, (r) => batch.push(r), line);
    yield* batch;
    batch.length = 0;
  }
}

/**
 * Reads every record of a buffer file (synchronously, a few MiB at a time,
 * so files of any size read). Missing files read as empty. With `merge` (the
 * default) messages for one id are merged.
 */
export function readBufferFile(path: string, options: ReadBufferOptions = {}): FlowceptRecord[] {
  const abs = resolve(path);
  if (!existsSync(abs)) return [];
  return (options.merge === false ? [...recordsOf(abs)] : mergeRecords(recordsOf(abs))).map(enrichRecord);
}

/**
 * Streams the records of a buffer file without holding the file in memory.
 * Records are yielded as written (not merged).
 */
export async function* iterateBufferFile(path: string): AsyncGenerator<FlowceptRecord> {
  const abs = resolve(path);
  if (!existsSync(abs)) return;
  let line = 1;
  const batch: FlowceptRecord[] = [];
  for await (const { text } of lineChunks(abs)) {
    line = parseJsonLines(text, abs, (r) => batch.push(r), line);
    for (const r of batch) yield enrichRecord(r);
    batch.length = 0;
  }
}
