/**
 * The local store's file format: JSON Lines, one Flowcept message per line,
 * as Flowcept's `dump_buffer` writes. Readers tolerate a torn last line (a
 * writer may be mid-append) and skip corrupt lines with a warning.
 */
import { createReadStream, existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, dirname, extname, join, resolve } from "node:path";
import { diag } from "@opentelemetry/api";
import { mergeRecords } from "../../lib/records/merge-records.js";
import { enrichRecord } from "../../lib/records/enrich-record.js";
import { withRecordType } from "../../lib/records/record-type.js";
import type { FlowceptRecord } from "../../lib/records/records.js";

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
 */
export function parseJsonLines(text: string, source: string, onRecord: (r: FlowceptRecord) => void, firstLine = 1): void {
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
}

/**
 * Reads every record of a buffer file (synchronously). Missing files read as
 * empty. With `merge` (the default) messages for one id are merged.
 */
export function readBufferFile(path: string, options: ReadBufferOptions = {}): FlowceptRecord[] {
  const abs = resolve(path);
  if (!existsSync(abs)) return [];
  const out: FlowceptRecord[] = [];
  parseJsonLines(readFileSync(abs, "utf8"), abs, (r) => out.push(r));
  return (options.merge === false ? out : mergeRecords(out)).map(enrichRecord);
}

/**
 * Streams the records of a buffer file without holding the file in memory.
 * Records are yielded as written (not merged).
 */
export async function* iterateBufferFile(path: string): AsyncGenerator<FlowceptRecord> {
  const abs = resolve(path);
  if (!existsSync(abs)) return;
  let rest = "";
  let line = 1;
  const pending: FlowceptRecord[] = [];
  for await (const chunk of createReadStream(abs, { encoding: "utf8", highWaterMark: 1 << 20 })) {
    const text = rest + (chunk as string);
    const cut = text.lastIndexOf("\n");
    if (cut === -1) {
      rest = text;
      continue;
    }
    const complete = text.slice(0, cut + 1);
    rest = text.slice(cut + 1);
    parseJsonLines(complete, abs, (r) => pending.push(r), line);
    for (let i = complete.indexOf("\n"); i !== -1; i = complete.indexOf("\n", i + 1)) line++;
    for (const r of pending) yield enrichRecord(r);
    pending.length = 0;
  }
  if (rest) {
    parseJsonLines(rest, abs, (r) => pending.push(r), line);
    for (const r of pending) yield enrichRecord(r);
  }
}
