/** `flowcept-otel check`: check that MongoDB is reachable and Flowcept's indexes are there. */
import type { Command } from "commander";
import { mongoDriver } from "../../../exporters/mongo/mongo-driver.js";
import { COLLECTIONS } from "../../../exporters/mongo/mongo-layout.js";
import { redactUri } from "../../records/redact.js";
import { errorMessage } from "../../util/error-message.js";
import { CliError } from "../CliError.js";
import { mongoTarget, parseLimit, type CliIo, type GlobalOptions } from "../cli-context.js";
import { formatTable } from "../format.js";

/** Adds `check` to the program. */
export function addCheckCommand(program: Command, io: CliIo): void {
  program
    .command("check")
    .description("check that MongoDB is reachable and Flowcept's indexes are there")
    .option("--timeout <ms>", "how long to wait for MongoDB", parseLimit, 3000)
    .option("--create-indexes", "create missing indexes")
    .action(async (o: { timeout: number; createIndexes?: boolean }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const { uri, dbName } = mongoTarget(g);
      const client = new (mongoDriver().MongoClient)(uri, { serverSelectionTimeoutMS: o.timeout, connectTimeoutMS: o.timeout });
      try {
        try {
          await client.db(dbName).command({ ping: 1 });
        } catch (err) {
          throw new CliError(`MongoDB at ${redactUri(uri)} is unreachable: ${errorMessage(err)}`);
        }
        const db = client.db(dbName);
        if (o.createIndexes) {
          const { ensureFlowceptIndexes } = await import("../../../exporters/mongo/mongo-indexes.js");
          await ensureFlowceptIndexes(db);
        }
        const rows: Record<string, unknown>[] = [];
        for (const c of COLLECTIONS) {
          let present: string[] = [];
          try {
            present = (await db.collection(c.name).listIndexes().toArray()).map((i) => Object.keys(i.key as object)[0]!);
          } catch (err) {
            if ((err as { code?: number }).code !== 26) throw err; // 26: the collection does not exist yet
          }
          const missing = c.indexes.filter((i) => !present.includes(i.field)).map((i) => i.field);
          rows.push({ collection: c.name, indexes: c.indexes.length - missing.length, missing: missing.join(", "), ok: missing.length === 0 });
        }
        const ok = rows.every((r) => r.ok);
        if (g.json) io.out(`${JSON.stringify({ reachable: true, uri: redactUri(uri), db: dbName, collections: rows, ok })}\n`);
        else io.out(`MongoDB at ${redactUri(uri)} is reachable (database ${dbName})\n${formatTable(["collection", "indexes", "missing", "ok"], rows)}`);
        if (!ok) throw new CliError("some of Flowcept's indexes are missing; run `flowcept-otel check --create-indexes`");
      } finally {
        await client.close();
      }
    });
}
