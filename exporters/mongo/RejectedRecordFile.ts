import { diag } from "@opentelemetry/api";
import { appendFileSync, mkdirSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { nowSeconds } from "../../lib/records/clock.js";
import type { FlowceptRecord } from "../../lib/records/records.js";
import { errorMessage } from "../../lib/util/error-message.js";

/**
 * Where records MongoDB will not take are kept, one JSON line each with the
 * reason: `rejected-<host>-<pid>.jsonl` beside the spill files.
 */
export class RejectedRecordFile {
  readonly path: string;

  constructor(private readonly dir: string) {
    this.path = join(dir, `rejected-${hostname().replace(/[^A-Za-z0-9_.]/g, "_")}-${process.pid}.jsonl`);
  }

  /** Keeps `record` with `reason`. Never throws. */
  keep(record: FlowceptRecord, reason: string): void {
    try {
      mkdirSync(this.dir, { recursive: true });
      appendFileSync(this.path, `${JSON.stringify({ type: "rejected", reason, at: nowSeconds(), record })}\n`);
      diag.error(`flowcept: a ${String(record.type)} record was refused by MongoDB (${reason}); kept in ${this.path}`);
    } catch (err) {
      diag.error(`flowcept: a record refused by MongoDB (${reason}) could not be kept: ${errorMessage(err)}`);
    }
  }
}
