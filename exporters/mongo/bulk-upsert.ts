/**
 * Writing records to MongoDB: one unordered bulk upsert per collection, each
 * record merged into its stored document on the server, with per-document
 * recovery from write errors (a race on the unique id is retried, an
 * over-large document is cut further, anything else is set aside with its
 * reason) so that one bad record never holds back the others.
 */
import { diag } from "@opentelemetry/api";
import type { AnyBulkWriteOperation, Db, Document } from "mongodb";
import { mongoDriver } from "./mongo-driver.js";
import type { FlowceptRecord } from "../../lib/records/records.js";
import { errorMessage } from "../../lib/util/error-message.js";
import { mergePipeline, toMongoUpsert, type MongoUpsert } from "./mongo-document.js";
import { MONGO_MAX_DOCUMENT_BYTES } from "./truncate-document.js";

const TOO_LARGE_CODES = new Set([10334, 17419, 17420, 2]);
const DUPLICATE_KEY = 11000;
const MAX_WRITE_ROUNDS = 4;

/** How {@link upsertRecords} treats records. */
export interface UpsertOptions {
  /** Drop null and "" fields (`db_buffer.remove_empty_fields`). */
  removeEmptyFields: boolean;
  /** Called for a record MongoDB will not take, with the reason. */
  reject: (record: FlowceptRecord, reason: string) => void;
}

/** Writes records; false when the database could not be reached (nothing is known written). */
export async function upsertRecords(db: Db, records: readonly FlowceptRecord[], options: UpsertOptions): Promise<boolean> {
  const now = new Date();
  const byCollection = new Map<string, { upserts: MongoUpsert[]; records: FlowceptRecord[] }>();
  for (const record of records) {
    let u: MongoUpsert;
    try {
      u = toMongoUpsert(record, now, { removeEmptyFields: options.removeEmptyFields });
    } catch (err) {
      options.reject(record, errorMessage(err));
      continue;
    }
    if (u.truncated.length) diag.warn(`flowcept: ${u.idField} ${u.id} is over 16 MiB; truncated ${u.truncated.join(", ")}`);
    let slot = byCollection.get(u.collection);
    if (!slot) byCollection.set(u.collection, (slot = { upserts: [], records: [] }));
    slot.upserts.push(u);
    slot.records.push(record);
  }
  for (const [name, slot] of byCollection) {
    if (!(await bulk(db, name, slot.upserts, slot.records, options))) return false;
  }
  return true;
}

/** One collection's unordered bulk upsert, with per-document recovery from write errors. */
async function bulk(db: Db, name: string, upserts: MongoUpsert[], records: FlowceptRecord[], options: UpsertOptions): Promise<boolean> {
  const collection = db.collection(name);
  let pending = upserts.map((_, i) => i);
  const limits = new Map<number, number>();
  for (let round = 0; pending.length && round < MAX_WRITE_ROUNDS; round++) {
    const ops: AnyBulkWriteOperation<Document>[] = pending.map((i) => {
      const u = upserts[i]!;
      return { updateOne: { filter: { [u.idField]: u.id }, update: mergePipeline(u.fields), upsert: true } };
    });
    try {
      await collection.bulkWrite(ops, { ordered: false });
      return true;
    } catch (err) {
      const writeErrors = err instanceof mongoDriver().MongoBulkWriteError ? [err.writeErrors].flat() : [];
      if (!writeErrors.length) {
        diag.debug(`flowcept: bulk write to ${name} failed: ${errorMessage(err)}`);
        return false;
      }
      const next: number[] = [];
      for (const we of writeErrors) {
        const i = pending[we.index];
        if (i === undefined) continue;
        if (we.code === DUPLICATE_KEY) {
          next.push(i); // two upserts raced to insert the same id; the retry updates
        } else if (TOO_LARGE_CODES.has(we.code) && /large|size/i.test(we.errmsg ?? "")) {
          const limit = Math.floor((limits.get(i) ?? MONGO_MAX_DOCUMENT_BYTES) / 4);
          limits.set(i, limit);
          try {
            const prev = upserts[i]!;
            const withId = { ...records[i]!, [prev.idField]: prev.id };
            upserts[i] = toMongoUpsert(withId, prev.fields.registered_at as Date, { removeEmptyFields: options.removeEmptyFields, maxBytes: limit });
            next.push(i);
          } catch (e) {
            options.reject(records[i]!, errorMessage(e));
          }
        } else {
          options.reject(records[i]!, `MongoDB refused the document: ${we.errmsg} (code ${we.code})`);
        }
      }
      pending = next;
    }
  }
  for (const i of pending) options.reject(records[i]!, "still refused after retries");
  return true;
}
