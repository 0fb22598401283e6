import { diag } from "@opentelemetry/api";
import { appendFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { nowSeconds } from "./clock.js";
import { safeStringify } from "./json-safe.js";
import type { FlowceptRecord } from "./records.js";
import { errorMessage } from "../util/error-message.js";
import { HOST_IN_FILE_NAMES } from "../process/file-owner.js";

const NO_LIMITS = { maxBytes: Number.POSITIVE_INFINITY, maxStringLength: Number.POSITIVE_INFINITY, maxDepth: 256 };
/** Distinct reasons reported at error level; later ones go to debug so a flood of bad records stays one report each. */
const MAX_REPORTED_REASONS = 32;

/**
 * Where records a store will not take are set aside, one JSON line each with
 * the reason: `rejected-<host>-<pid>.jsonl` in `dir`. Both stores use it, so
 * one bad record never holds back the others.
 */
export class RejectedRecordFile {
  readonly path: string;
  /** Records set aside so far. */
  count = 0;
  private readonly reported = new Set<string>();

  /** @param store Who refused the records, for messages (`MongoDB`, `the local store`). */
  constructor(
    private readonly dir: string,
    private readonly store = "the store",
  ) {
    this.path = join(dir, `rejected-${HOST_IN_FILE_NAMES}-${process.pid}.jsonl`);
  }

  /** Keeps `record` with `reason`. Never throws. */
  keep(record: FlowceptRecord, reason: string): void {
    this.count++;
    let line: string;
    const entry = { type: "rejected", store: this.store, reason, at: nowSeconds(), record };
    try {
      line = JSON.stringify(entry);
    } catch {
      // The record itself is not JSON (a BigInt, a cycle): keep what can be kept.
      line = safeStringify(entry, NO_LIMITS);
    }
    try {
      mkdirSync(this.dir, { recursive: true });
      appendFileSync(this.path, `${line}\n`);
      this.report(`flowcept: a ${String(record.type)} record was refused by ${this.store} (${reason}); kept in ${this.path}`, reason);
    } catch (err) {
      this.report(`flowcept: a record refused by ${this.store} (${reason}) could not be kept in ${this.path}: ${errorMessage(err)}`, `unkept:${reason}`);
    }
  }

  private report(message: string, key: string): void {
    const kind = key.slice(0, 200);
    if (this.reported.has(kind) || this.reported.size >= MAX_REPORTED_REASONS) {
      diag.debug(`${message} (${this.count} set aside so far)`);
      return;
    }
    this.reported.add(kind);
    diag.error(message);
  }
}
