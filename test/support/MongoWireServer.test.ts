import { expect } from "chai";
import { MongoBulkWriteError, MongoClient, MongoServerError } from "mongodb";
import { MongoWireServer } from "./MongoWireServer.js";

describe("MongoWireServer (with the official driver)", () => {
  let server: MongoWireServer;
  let client: MongoClient;

  before(async () => {
    server = await new MongoWireServer().start();
    client = new MongoClient(server.uri, { serverSelectionTimeoutMS: 2000 });
  });
  after(async () => {
    await client.close();
    await server.stop();
  });
  beforeEach(() => server.reset());

  it("answers the handshake, ping and buildInfo", async () => {
    const admin = client.db("admin");
    expect((await admin.command({ ping: 1 })).ok).to.equal(1);
    const info = await admin.command({ buildInfo: 1 });
    expect(info.version).to.match(/^7\./);
    expect(server.commandCounts.get("hello") ?? server.commandCounts.get("ismaster") ?? server.commandCounts.get("isMaster")).to.be.greaterThan(0);
  });

  it("inserts, finds with filter/projection/sort/limit and pages through cursors", async () => {
    const c = client.db("t").collection("docs");
    await c.insertMany(Array.from({ length: 350 }, (_, i) => ({ n: i, even: i % 2 === 0, nested: { k: i % 7 } })));
    expect(await c.countDocuments()).to.equal(350);
    const all = await c.find({}, { batchSize: 40 }).toArray();
    expect(all).to.have.length(350);
    const top = await c.find({ even: true, "nested.k": { $lt: 3 } }, { projection: { _id: 0, n: 1 } }).sort({ n: -1 }).limit(3).toArray();
    expect(top).to.deep.equal([{ n: 344 }, { n: 338 }, { n: 336 }]);
    expect((await c.distinct("nested.k")).sort()).to.deep.equal([0, 1, 2, 3, 4, 5, 6]);
    const agg = await c.aggregate([{ $match: { even: false } }, { $group: { _id: null, total: { $sum: 1 } } }]).toArray();
    expect(agg[0]!.total).to.equal(175);
    const cursor = c.find({}, { batchSize: 10 });
    await cursor.next();
    await cursor.close(); // killCursors
    expect(server.commandCounts.get("killCursors")).to.be.greaterThan(0);
  });

  it("enforces unique indexes with E11000, and unordered bulk writes go on past errors", async () => {
    const c = client.db("t").collection("tasks");
    await c.createIndex({ task_id: 1 }, { unique: true });
    await c.insertOne({ task_id: "a" });
    const err = await c.insertMany([{ task_id: "b" }, { task_id: "a" }, { task_id: "c" }], { ordered: false }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(MongoBulkWriteError);
    const bulk = err as MongoBulkWriteError;
    expect(bulk.code).to.equal(11000);
    expect([bulk.writeErrors].flat().map((w) => w.index)).to.deep.equal([1]);
    expect((await c.find({}, { projection: { _id: 0 } }).sort({ task_id: 1 }).toArray()).map((d) => d.task_id)).to.deep.equal(["a", "b", "c"]);
    const ordered = await c.insertMany([{ task_id: "d" }, { task_id: "a" }, { task_id: "e" }]).catch((e: unknown) => e as MongoBulkWriteError);
    expect(ordered).to.be.instanceOf(MongoBulkWriteError);
    expect(await c.countDocuments({ task_id: "e" })).to.equal(0);
    const idx = await c.listIndexes().toArray();
    expect(idx.map((i) => i.name)).to.deep.equal(["_id_", "task_id_1"]);
    expect(idx[1]!.unique).to.equal(true);
  });

  it("upserts with operator and pipeline updates", async () => {
    const c = client.db("t").collection("w");
    const r1 = await c.updateOne({ id: "x" }, { $set: { a: 1 }, $setOnInsert: { created: true } }, { upsert: true });
    expect(r1.upsertedCount).to.equal(1);
    const r2 = await c.updateOne({ id: "x" }, { $set: { b: 2 }, $setOnInsert: { created: false } }, { upsert: true });
    expect(r2.matchedCount).to.equal(1);
    await c.updateOne({ id: "x" }, [{ $set: { m: { $mergeObjects: ["$m", { $literal: { k: 1 } }] }, a: { $add: ["$a", 10] } } }], { upsert: true });
    const doc = await c.findOne({ id: "x" }, { projection: { _id: 0 } });
    expect(doc).to.deep.equal({ id: "x", a: 11, created: true, b: 2, m: { k: 1 } });
    const del = await c.deleteMany({ id: "x" });
    expect(del.deletedCount).to.equal(1);
  });

  it("refuses $-prefixed and dotted field names, and documents over 16 MiB", async () => {
    const c = client.db("t").collection("bad");
    const dollar = await c.insertOne({ used: { $x: 1 } }).catch((e: unknown) => e as MongoServerError);
    expect(dollar).to.be.instanceOf(Error);
    expect((dollar as MongoServerError).code).to.equal(52);
    const dotted = await c.updateOne({ id: 1 }, [{ $set: { used: { $literal: { "a.b": 1 } } } }], { upsert: true }).catch((e: unknown) => e as MongoServerError);
    expect((dotted as MongoServerError).code).to.equal(57);
    const big = "x".repeat(9 * 1024 * 1024);
    await c.insertOne({ id: 2, a: big });
    const tooBig = await c.updateOne({ id: 2 }, { $set: { b: big } }).catch((e: unknown) => e as MongoServerError);
    expect((tooBig as MongoServerError).code).to.equal(17419);
    expect(await c.countDocuments()).to.equal(1);
  });

  it("lists, creates and drops collections and databases", async () => {
    const db = client.db("t2");
    await db.createCollection("one");
    const dup = await db.createCollection("one").catch((e: unknown) => e as MongoServerError);
    expect((dup as MongoServerError).code).to.equal(48);
    await db.collection("two").insertOne({ a: 1 });
    expect((await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).sort()).to.deep.equal(["one", "two"]);
    expect(await db.collection("two").drop()).to.equal(true);
    await db.dropDatabase();
    expect(await db.listCollections().toArray()).to.deep.equal([]);
  });

  it("stops and restarts on the same port, keeping its data; the driver reconnects", async () => {
    const c = client.db("t").collection("keep");
    await c.insertOne({ k: 1 });
    const port = server.port;
    await server.stop();
    const down = await c.insertOne({ k: 2 }, { timeoutMS: 500 }).catch((e: unknown) => e);
    expect(down).to.be.instanceOf(Error);
    await server.start();
    expect(server.port).to.equal(port);
    await c.insertOne({ k: 3 });
    expect((await c.find({}, { projection: { _id: 0 } }).toArray()).map((d) => d.k)).to.deep.equal([1, 3]);
  });

  it("delays replies when asked (a slow database)", async () => {
    const impatient = new MongoClient(server.uri, { socketTimeoutMS: 200, serverSelectionTimeoutMS: 1000 });
    try {
      await impatient.db("admin").command({ ping: 1 });
      server.delayMs = 1000;
      const slow = await impatient.db("admin").command({ ping: 1 }).catch((e: unknown) => e);
      expect(slow).to.be.instanceOf(Error);
      server.delayMs = 0;
      expect((await impatient.db("admin").command({ ping: 1 })).ok).to.equal(1);
    } finally {
      server.delayMs = 0;
      await impatient.close();
    }
  });
});
