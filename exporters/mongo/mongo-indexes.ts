import { diag } from "@opentelemetry/api";
import type { Db } from "mongodb";
import { errorMessage } from "../../lib/util/error-message.js";
import { COLLECTIONS } from "./mongo-layout.js";

/** Creates Flowcept's indexes (idempotent). Conflicting existing indexes are left alone with a warning. */
export async function ensureFlowceptIndexes(db: Db): Promise<void> {
  for (const c of COLLECTIONS) {
    try {
      await db.collection(c.name).createIndexes(
        c.indexes.map((i) => ({ key: { [i.field]: 1 }, name: `${i.field}_1`, ...(i.unique ? { unique: true } : {}) })),
      );
    } catch (err) {
      const code = (err as { code?: number }).code;
      if (code === 85 || code === 86 || code === 11000) {
        diag.warn(`flowcept: an index of ${c.name} could not be created: ${errorMessage(err)}`);
        continue;
      }
      throw err;
    }
  }
}
