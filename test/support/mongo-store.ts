/** A MongoDB store holding given records, for tests of the query API over MongoDB. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MongoRecordExporter } from "../../exporters/mongo/MongoRecordExporter.js";
import { MongoQueryBackend } from "../../lib/query/MongoQueryBackend.js";
import type { QueryBackend } from "../../lib/query/query-types.js";
import type { FlowceptRecord } from "../../lib/records/records.js";
import { startMongoTarget } from "./mongo-target.js";

/** Writes `records` (in order, one message at a time) through the MongoDB exporter; the backend reads them back. */
export async function mongoStoreWith(records: FlowceptRecord[]): Promise<{ backend: QueryBackend; cleanup: () => Promise<void> }> {
  const target = await startMongoTarget();
  const spill = mkdtempSync(join(tmpdir(), "flowcept-spill-"));
  const exporter = new MongoRecordExporter({ uri: target.uri, dbName: target.dbName, spillDir: spill });
  for (const m of records) await new Promise((r) => exporter.export([m], r));
  await exporter.shutdown();
  return {
    backend: new MongoQueryBackend({ uri: target.uri, dbName: target.dbName }),
    cleanup: async () => {
      await target.close();
      rmSync(spill, { recursive: true, force: true });
    },
  };
}
