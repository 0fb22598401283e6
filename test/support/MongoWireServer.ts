/**
 * A MongoDB wire-protocol server for tests: the official driver talks to it
 * over TCP as to a standalone `mongod`. Storage is in memory; query, update
 * and aggregation semantics come from mingo. It enforces what the exporter
 * relies on: unique indexes (E11000), upserts, unordered bulk writes that go
 * on past errors, the 16 MiB document limit and field-name rules. It can be
 * stopped and started again on the same port (data is kept, as across a
 * `mongod` restart), can delay every reply to play a slow database, and can
 * stop answering (`silent`) to play one that hangs.
 */
import { createServer, type Server, type Socket } from "node:net";
import { calculateObjectSize, Long, type Document } from "bson";
import { Query } from "mingo";
import { makeQuery, runPipeline } from "./mingo-fast.js";
import { CommandError } from "./CommandError.js";
import { MemoryCollection, type IndexSpec } from "./MemoryCollection.js";
import { MAX_BSON_OBJECT_SIZE, isPlainDoc } from "./bson-values.js";
import { cursorId, decodeMessage, encodeLegacyReply, encodeMsgReply, messageLength, OP_QUERY, type WireRequest } from "./wire-protocol.js";

/** Options of {@link MongoWireServer}. */
export interface MongoWireServerOptions {
  /** Port to listen on; 0 (default) picks a free one, kept across restarts. */
  port?: number;
  /** Milliseconds added before every reply (a slow database). */
  delayMs?: number;
}

interface OpenCursor {
  ns: string;
  docs: Document[];
  pos: number;
}

const MAX_WIRE_VERSION = 21; // MongoDB 7.0
const DEFAULT_BATCH = 101;

/** The test server: `await new MongoWireServer().start()`, then `server.uri` for the driver. */
export class MongoWireServer {
  /** Milliseconds added before every reply; may be changed at any time. */
  delayMs: number;
  /**
   * While true the server runs what it receives but answers nothing, as a
   * `mongod` that hangs mid-request: the client waits on its connection.
   */
  silent = false;
  /** Commands received, by name (for assertions about what the driver sent). */
  readonly commandCounts = new Map<string, number>();
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly dbs = new Map<string, Map<string, MemoryCollection>>();
  private readonly cursors = new Map<number, OpenCursor>();
  private nextCursor = 1;
  private nextConnection = 1;
  private port_: number;

  constructor(options: MongoWireServerOptions = {}) {
    this.port_ = options.port ?? 0;
    this.delayMs = options.delayMs ?? 0;
  }

  /** The port in use (after the first start). */
  get port(): number {
    return this.port_;
  }

  /** A connection string for the driver. */
  get uri(): string {
    return `mongodb://127.0.0.1:${this.port_}/?directConnection=true`;
  }

  get running(): boolean {
    return this.server !== undefined;
  }

  /** Starts listening (on the same port as before after a stop). */
  async start(): Promise<this> {
    if (this.server) return this;
    const server = createServer((socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.port_, "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
    this.port_ = (server.address() as { port: number }).port;
    this.server = server;
    return this;
  }

  /** Stops listening and drops every connection, as a crashed `mongod` would. Data is kept. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    this.cursors.clear();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Drops every database. */
  reset(): void {
    this.dbs.clear();
    this.cursors.clear();
  }

  /** Direct access to a collection's documents, for assertions. */
  collection(db: string, name: string): MemoryCollection {
    return this.coll(db, name, true)!;
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.setNoDelay(true);
    const connectionId = this.nextConnection++;
    let pending: Buffer = Buffer.alloc(0);
    let chain = Promise.resolve();
    socket.on("data", (chunk: Buffer) => {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      for (;;) {
        const len = messageLength(pending);
        if (len < 0 || pending.length < len) break;
        const msg = pending.subarray(0, len);
        pending = pending.subarray(len);
        chain = chain.then(() => this.answer(socket, msg, connectionId));
      }
    });
    socket.on("error", () => socket.destroy());
    socket.on("close", () => this.sockets.delete(socket));
  }

  private async answer(socket: Socket, raw: Buffer, connectionId: number): Promise<void> {
    let req: WireRequest;
    try {
      req = decodeMessage(raw);
    } catch {
      socket.destroy();
      return;
    }
    let reply: Document;
    try {
      reply = this.run(req.command, connectionId);
    } catch (err) {
      reply = err instanceof CommandError ? err.toReply() : { ok: 0, errmsg: String((err as Error)?.message ?? err), code: 1, codeName: "InternalError" };
    }
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    if (socket.destroyed || this.silent) return;
    socket.write(req.opCode === OP_QUERY ? encodeLegacyReply(req.requestId, reply) : encodeMsgReply(req.requestId, reply));
  }

  private run(cmd: Document, connectionId: number): Document {
    const name = Object.keys(cmd)[0] ?? "";
    this.commandCounts.set(name, (this.commandCounts.get(name) ?? 0) + 1);
    const db = typeof cmd.$db === "string" ? cmd.$db : "admin";
    switch (name) {
      case "hello":
      case "isMaster":
      case "ismaster":
        return {
          helloOk: true,
          ismaster: true,
          isWritablePrimary: true,
          maxBsonObjectSize: MAX_BSON_OBJECT_SIZE,
          maxMessageSizeBytes: 48_000_000,
          maxWriteBatchSize: 100_000,
          localTime: new Date(),
          logicalSessionTimeoutMinutes: 30,
          connectionId,
          minWireVersion: 0,
          maxWireVersion: MAX_WIRE_VERSION,
          readOnly: false,
          ok: 1,
        };
      case "ping":
      case "endSessions":
        return { ok: 1 };
      case "buildInfo":
      case "buildinfo":
        return { version: "7.0.0", versionArray: [7, 0, 0, 0], maxBsonObjectSize: MAX_BSON_OBJECT_SIZE, ok: 1 };
      case "listDatabases":
        return { databases: [...this.dbs.keys()].map((n) => ({ name: n, sizeOnDisk: 0, empty: false })), ok: 1 };
      case "listCollections":
        return this.listCollections(db, cmd);
      case "create":
        if (this.coll(db, cmd.create)) throw new CommandError(48, "NamespaceExists", `Collection ${db}.${cmd.create} already exists.`);
        this.coll(db, cmd.create, true);
        return { ok: 1 };
      case "drop":
        if (!this.dbs.get(db)?.delete(cmd.drop)) throw new CommandError(26, "NamespaceNotFound", "ns not found");
        return { nIndexesWas: 1, ns: `${db}.${cmd.drop}`, ok: 1 };
      case "dropDatabase":
        this.dbs.delete(db);
        return { dropped: db, ok: 1 };
      case "createIndexes":
        return this.createIndexes(db, cmd);
      case "listIndexes": {
        const c = this.coll(db, cmd.listIndexes);
        if (!c) throw new CommandError(26, "NamespaceNotFound", `ns does not exist: ${db}.${cmd.listIndexes}`);
        return this.cursorReply(`${db}.${cmd.listIndexes}`, c.listIndexes(), cmd.cursor?.batchSize);
      }
      case "dropIndexes": {
        const c = this.coll(db, cmd.dropIndexes);
        if (!c) throw new CommandError(26, "NamespaceNotFound", "ns not found");
        for (const spec of c.listIndexes()) if (cmd.index === "*" ? spec.name !== "_id_" : spec.name === cmd.index) c.dropIndex(spec.name);
        return { ok: 1 };
      }
      case "insert":
        return this.write(cmd.ordered !== false, cmd.documents as Document[], (doc) => {
          this.coll(db, cmd.insert, true)!.insert(doc);
          return { n: 1 };
        });
      case "update":
        return this.update(db, cmd);
      case "delete":
        return this.write(cmd.ordered !== false, cmd.deletes as Document[], (d) => ({ n: this.coll(db, cmd.delete)?.delete(d.q ?? {}, d.limit) ?? 0 }));
      case "find":
        return this.find(db, cmd);
      case "getMore":
        return this.getMore(cmd);
      case "killCursors": {
        const ids = (cmd.cursors as unknown[]).map((c) => Number(c));
        for (const id of ids) this.cursors.delete(id);
        return { cursorsKilled: ids, cursorsNotFound: [], cursorsAlive: [], cursorsUnknown: [], ok: 1 };
      }
      case "aggregate":
        return this.aggregate(db, cmd);
      case "count": {
        const docs = this.coll(db, cmd.count)?.find(cmd.query ?? {}) ?? [];
        let n = Math.max(0, docs.length - (cmd.skip ?? 0));
        if (cmd.limit) n = Math.min(n, Math.abs(cmd.limit));
        return { n, ok: 1 };
      }
      case "distinct": {
        const docs = this.coll(db, cmd.distinct)?.find(cmd.query ?? {}) ?? [];
        const [row] = runPipeline([{ $group: { _id: null, values: { $addToSet: `$${cmd.key}` } } }], docs);
        return { values: row?.values ?? [], ok: 1 };
      }
      default:
        throw new CommandError(59, "CommandNotFound", `no such command: '${name}'`);
    }
  }

  private coll(db: string, name: unknown, create = false): MemoryCollection | undefined {
    if (typeof name !== "string" || !name) throw new CommandError(73, "InvalidNamespace", `Invalid namespace specified '${db}.${String(name)}'`);
    let d = this.dbs.get(db);
    if (!d) {
      if (!create) return undefined;
      d = new Map();
      this.dbs.set(db, d);
    }
    let c = d.get(name);
    if (!c && create) {
      c = new MemoryCollection(`${db}.${name}`);
      d.set(name, c);
    }
    return c;
  }

  private listCollections(db: string, cmd: Document): Document {
    const all = [...(this.dbs.get(db)?.keys() ?? [])].map((n) => ({ name: n, type: "collection", options: {}, info: { readOnly: false } }));
    const filter = isPlainDoc(cmd.filter) ? cmd.filter : {};
    const query = makeQuery(filter);
    const docs = all.filter((d) => query.test(d));
    return this.cursorReply(`${db}.$cmd.listCollections`, cmd.nameOnly ? docs.map((d) => ({ name: d.name, type: d.type })) : docs, cmd.cursor?.batchSize);
  }

  private createIndexes(db: string, cmd: Document): Document {
    const c = this.coll(db, cmd.createIndexes, true)!;
    const before = c.listIndexes().length;
    for (const raw of cmd.indexes as Document[]) {
      const existing = c.listIndexes().find((s) => s.name === raw.name);
      if (existing && JSON.stringify(existing.key) !== JSON.stringify(raw.key)) {
        throw new CommandError(86, "IndexKeySpecsConflict", `An existing index has the same name as the requested index: ${raw.name}`);
      }
      const spec: IndexSpec = { v: 2, key: raw.key, name: raw.name };
      if (raw.unique) spec.unique = true;
      c.createIndex(spec);
    }
    return { numIndexesBefore: before, numIndexesAfter: c.listIndexes().length, createdCollectionAutomatically: before === 0, ok: 1 };
  }

  private update(db: string, cmd: Document): Document {
    let nModified = 0;
    const upserted: Document[] = [];
    const reply = this.write(cmd.ordered !== false, cmd.updates as Document[], (u, index) => {
      const out = this.coll(db, cmd.update, true)!.update(u.q ?? {}, u.u, { upsert: !!u.upsert, multi: !!u.multi });
      nModified += out.modified;
      if (out.upsertedId !== undefined) {
        upserted.push({ index, _id: out.upsertedId });
        return { n: 1 };
      }
      return { n: out.matched };
    });
    reply.nModified = nModified;
    if (upserted.length) reply.upserted = upserted;
    return reply;
  }

  /** Runs write statements one by one; ordered writes stop at the first error, unordered ones go on. */
  private write(ordered: boolean, statements: Document[], apply: (s: Document, index: number) => { n: number }): Document {
    let n = 0;
    const writeErrors: Document[] = [];
    for (let i = 0; i < statements.length; i++) {
      try {
        n += apply(statements[i]!, i).n;
      } catch (err) {
        const ce = err instanceof CommandError ? err : new CommandError(2, "BadValue", String((err as Error)?.message ?? err));
        writeErrors.push(ce.toWriteError(i));
        if (ordered) break;
      }
    }
    const reply: Document = { n, ok: 1 };
    if (writeErrors.length) reply.writeErrors = writeErrors;
    return reply;
  }

  private find(db: string, cmd: Document): Document {
    const c = this.coll(db, cmd.find);
    const matched = c ? c.find(cmd.filter ?? {}) : [];
    let cursor = new Query({}, {}).find<Document>(matched, isPlainDoc(cmd.projection) && Object.keys(cmd.projection).length ? cmd.projection : undefined);
    if (isPlainDoc(cmd.sort) && Object.keys(cmd.sort).length) cursor = cursor.sort(cmd.sort as never);
    if (cmd.skip) cursor = cursor.skip(cmd.skip);
    if (cmd.limit) cursor = cursor.limit(Math.abs(cmd.limit));
    const docs = cursor.all();
    return this.cursorReply(`${db}.${cmd.find}`, docs, cmd.batchSize, !!cmd.singleBatch || (cmd.limit ?? 0) < 0);
  }

  private aggregate(db: string, cmd: Document): Document {
    const pipeline = (cmd.pipeline ?? []) as Document[];
    const c = this.coll(db, cmd.aggregate);
    // A leading $match can use the collection's indexes.
    const first = pipeline[0];
    const docs = c ? (first && isPlainDoc(first.$match) ? c.find(first.$match) : c.find({})) : [];
    const rest = first && isPlainDoc(first.$match) ? pipeline.slice(1) : pipeline;
    const out = rest.length ? runPipeline(rest, docs) : docs;
    return this.cursorReply(`${db}.${cmd.aggregate}`, out, cmd.cursor?.batchSize);
  }

  private getMore(cmd: Document): Document {
    const id = Number(cmd.getMore);
    const cur = this.cursors.get(id);
    if (!cur) throw new CommandError(43, "CursorNotFound", `cursor id ${id} not found`);
    const batch = takeBatch(cur, cmd.batchSize || Number.MAX_SAFE_INTEGER);
    const more = cur.pos < cur.docs.length;
    if (!more) this.cursors.delete(id);
    return { cursor: { nextBatch: batch, id: more ? cursorId(id) : Long.ZERO, ns: cur.ns }, ok: 1 };
  }

  private cursorReply(ns: string, docs: Document[], batchSize: number | undefined, single = false): Document {
    const cur: OpenCursor = { ns, docs, pos: 0 };
    const firstBatch = takeBatch(cur, batchSize ?? DEFAULT_BATCH);
    let id = 0;
    if (cur.pos < docs.length && !single) {
      id = this.nextCursor++;
      this.cursors.set(id, cur);
    }
    return { cursor: { firstBatch, id: id ? cursorId(id) : Long.ZERO, ns }, ok: 1 };
  }
}

/** Takes up to `n` documents from the cursor, staying under the reply size limit. */
function takeBatch(cur: OpenCursor, n: number): Document[] {
  const out: Document[] = [];
  let bytes = 0;
  while (cur.pos < cur.docs.length && out.length < n) {
    const doc = cur.docs[cur.pos]!;
    const size = calculateObjectSize(doc);
    if (out.length && bytes + size > MAX_BSON_OBJECT_SIZE) break;
    bytes += size;
    out.push(doc);
    cur.pos++;
  }
  return out;
}
