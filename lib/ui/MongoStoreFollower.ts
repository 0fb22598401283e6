/**
 * Follows Flowcept's MongoDB collections (`tasks`, `workflows`): reads them
 * once, then gets each change from a change stream where the server
 * supports them (a replica set or sharded cluster); on a server that does
 * not (a standalone server), it polls for records whose times are recent —
 * a task is written when it starts or ends, so its `started_at`,
 * `ended_at` or `utc_timestamp` is close to the time it arrives.
 */
import { diag } from "@opentelemetry/api";
import type { ChangeStream, ChangeStreamDocument, Db, Document, MongoClient } from "mongodb";
import { mongoDriver } from "../../exporters/mongo/mongo-driver.js";
import { fromMongoDocument } from "../query/MongoQueryBackend.js";
import { redactUri } from "../records/redact.js";
import { errorMessage } from "../util/error-message.js";
import type { RecordsListener, StoreFollower } from "./StoreFollower.js";
import { ROW_FIELDS } from "./TaskTable.js";

/** Options of {@link MongoStoreFollower}. */
export interface MongoStoreFollowerOptions {
  uri: string;
  dbName?: string | undefined;
  /** Polling only: how often. Default 1000 ms. */
  pollMillis?: number | undefined;
  /** Polling only: how far back (seconds) a record's time may be from when it is written and still be seen. Default 30. */
  lagSeconds?: number | undefined;
  /** `false` polls even where change streams are supported. */
  changeStreams?: boolean | undefined;
}

const TYPE_OF: Record<string, string> = { tasks: "task", workflows: "workflow" };
const BATCH = 5000;

/** See the file header. */
export class MongoStoreFollower implements StoreFollower {
  mode = "MongoDB";
  private client: MongoClient | undefined;
  private stream: ChangeStream | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private loaded = false;
  private polling: Promise<void> | undefined;
  /** Polling: what was last seen of each recent record, so that unchanged ones are not sent again. */
  private readonly seen = new Map<string, { sig: string; at: number }>();

  constructor(private readonly options: MongoStoreFollowerOptions) {}

  get progress(): number {
    return this.loaded ? 1 : 0;
  }

  async start(onRecords: RecordsListener): Promise<void> {
    const client = new (mongoDriver().MongoClient)(this.options.uri, { serverSelectionTimeoutMS: 5000 });
    this.client = client;
    await client.connect();
    const db = client.db(this.options.dbName ?? "flowcept");
    // The stream is opened before the collections are read, so nothing written in between is missed.
    const live = this.options.changeStreams === false ? undefined : await this.openStream(db);
    const startedAt = Date.now() / 1000;
    await this.readAll(db, onRecords);
    this.loaded = true;
    if (live) {
      this.mode = "MongoDB change streams";
      this.listen(live, onRecords);
    } else {
      this.mode = "MongoDB polling";
      this.schedule(db, onRecords, startedAt);
    }
  }

  private async openStream(db: Db): Promise<ChangeStream | undefined> {
    const stream = db.watch([{ $match: { "ns.coll": { $in: Object.keys(TYPE_OF) }, operationType: { $in: ["insert", "update", "replace"] } } }], { fullDocument: "updateLookup" });
    try {
      await stream.tryNext();
      return (this.stream = stream);
    } catch (err) {
      diag.info(`flowcept ui: no change streams on ${redactUri(this.options.uri)} (${errorMessage(err)}); polling`);
      await stream.close().catch(() => undefined);
      return undefined;
    }
  }

  private listen(stream: ChangeStream, onRecords: RecordsListener): void {
    stream.on("change", (change: ChangeStreamDocument) => {
      if (!("fullDocument" in change) || !change.fullDocument || !("ns" in change)) return;
      const type = TYPE_OF[change.ns.coll ?? ""];
      if (type) onRecords([{ ...fromMongoDocument(change.fullDocument), type }], true);
    });
    stream.on("error", (err) => {
      if (!this.closed) diag.warn(`flowcept ui: the MongoDB change stream failed: ${errorMessage(err)}`);
    });
  }

  private async readAll(db: Db, onRecords: RecordsListener): Promise<void> {
    const taskProjection: Document = { _id: 0 };
    for (const f of ROW_FIELDS) taskProjection[f] = 1;
    for (const [coll, projection] of [
      ["workflows", { _id: 0 }],
      ["tasks", taskProjection],
    ] as const) {
      let batch: Record<string, unknown>[] = [];
      for await (const doc of db.collection(coll).find({}, { projection })) {
        batch.push({ ...fromMongoDocument(doc), type: TYPE_OF[coll] });
        if (batch.length >= BATCH) {
          onRecords(batch, false);
          batch = [];
        }
      }
      if (batch.length) onRecords(batch, false);
    }
  }

  private schedule(db: Db, onRecords: RecordsListener, since: number): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      const now = Date.now() / 1000;
      this.polling = this.poll(db, onRecords, since)
        .catch((err: unknown) => diag.warn(`flowcept ui: polling MongoDB failed: ${errorMessage(err)}`))
        .finally(() => this.schedule(db, onRecords, now));
    }, this.options.pollMillis ?? 1000);
    this.timer.unref();
  }

  private async poll(db: Db, onRecords: RecordsListener, since: number): Promise<void> {
    const from = new Date((since - (this.options.lagSeconds ?? 30)) * 1000);
    const recent = { $or: [{ started_at: { $gte: from } }, { ended_at: { $gte: from } }, { utc_timestamp: { $gte: from } }] };
    const out: Record<string, unknown>[] = [];
    for (const coll of Object.keys(TYPE_OF)) {
      for await (const doc of db.collection(coll).find(recent, { projection: { _id: 0 } })) {
        const r: Record<string, unknown> = { ...fromMongoDocument(doc), type: TYPE_OF[coll] };
        const key = `${coll}:${String(r.task_id ?? r.workflow_id)}`;
        const sig = JSON.stringify(r);
        if (this.seen.get(key)?.sig === sig) continue;
        this.seen.set(key, { sig, at: since });
        out.push(r);
      }
    }
    for (const [k, v] of this.seen) if (v.at < since - 2 * (this.options.lagSeconds ?? 30)) this.seen.delete(k);
    if (out.length) onRecords(out, true);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await this.polling?.catch(() => undefined);
    await this.stream?.close().catch(() => undefined);
    await this.client?.close().catch(() => undefined);
  }
}
