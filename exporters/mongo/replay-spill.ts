/** Writing spill files left behind to MongoDB: what `flowcept-otel replay` runs. */
import { SpillFile } from "../../lib/records/SpillFile.js";
import { MongoRecordExporter, type MongoRecordExporterOptions, type ReplayProgress, type ReplayResult } from "./MongoRecordExporter.js";

/** Options of {@link replaySpill}. */
export interface ReplaySpillOptions extends MongoRecordExporterOptions {
  /** Also take spill files of live processes and other hosts. Default false. */
  all?: boolean | undefined;
  /** Called as records are written. */
  onProgress?: ((p: ReplayProgress) => void) | undefined;
  /** Give up after this long, ms (files not written are kept). */
  timeoutMs?: number | undefined;
}

/**
 * Claims the spill files in `spillDir` whose processes are gone (all of them
 * with `all`), writes them to MongoDB, and deletes each one once written.
 * Files that could not be written are kept and listed in `remaining`.
 */
export async function replaySpill(options: ReplaySpillOptions): Promise<ReplayResult> {
  const { all, onProgress, timeoutMs, ...exporterOptions } = options;
  const exporter = new MongoRecordExporter({ ...exporterOptions, replayOrphans: false, checkSafeStops: false });
  let result: ReplayResult;
  try {
    result = await exporter.replay({ all, onProgress, timeoutMs });
  } finally {
    await exporter.shutdown();
  }
  // Files not written were released for a later replay under their released names.
  return { ...result, remaining: result.remaining.map((p) => SpillFile.releasedPath(p)) };
}
