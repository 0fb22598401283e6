/**
 * Outages on the collector path, measured with the real collector running
 * collector-config.yaml: (a) the ingest service stopped for several seconds
 * while the app keeps sending; (b) the collector itself killed and restarted.
 * Each prints its figures: sent (what the app captured in-process), stored,
 * duplicates (lines beyond one per record) and lost.
 */
import { expect } from "chai";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { FlowceptRecord } from "../../lib/records/records.js";
import { lineCounts, recordId, startApp, workflowRecords } from "./support/app.js";
import { usePeers } from "./support/peers.js";
import { freePort } from "./support/PeerProcess.js";
import { outputDir, startCollector, startIngest, type Collector, type Ingest } from "./support/stack.js";

const TOKEN = "outage-token";

interface Figures {
  sent: number;
  stored: number;
  duplicates: number;
  lost: FlowceptRecord[];
}

function figures(captured: Map<string, FlowceptRecord>, store: string, workflowId: string): Figures {
  const stored = workflowRecords(store, workflowId);
  const lines = lineCounts(store, workflowId);
  let duplicates = 0;
  for (const n of lines.values()) duplicates += n - 1;
  return { sent: captured.size, stored: stored.size, duplicates, lost: [...captured].filter(([id]) => !stored.has(id)).map(([, r]) => r) };
}

/** Waits until the store holds `expected` records of the workflow, or stops growing for `quietMs`. */
async function settle(store: string, workflowId: string, expected: number, quietMs: number, maxMs: number): Promise<void> {
  const deadline = Date.now() + maxMs;
  let last = -1;
  let since = Date.now();
  while (Date.now() < deadline) {
    const n = workflowRecords(store, workflowId).size;
    if (n >= expected) return;
    if (n !== last) {
      last = n;
      since = Date.now();
    } else if (Date.now() - since > quietMs) return;
    await sleep(250);
  }
}

function report(name: string, f: Figures, extra: string): void {
  process.stdout.write(`      ${name}: sent ${f.sent}, stored ${f.stored}, duplicates ${f.duplicates}, lost ${f.lost.length}${extra}\n`);
}

describe("integration: outages on the collector path", function () {
  const peers = usePeers("otelcol");
  const running: { collector?: Collector; ingest?: Ingest } = {};
  let jaegerNowhere: string;

  before(async () => {
    // No Jaeger here: its exporter points at a free loopback port nobody listens on (its queue is in memory).
    jaegerNowhere = `127.0.0.1:${await freePort()}`;
  });

  afterEach(async () => {
    await running.collector?.process.stop();
    await running.ingest?.process.stop();
    running.collector = running.ingest = undefined;
  });

  it("(a) ingest service down for several seconds: the collector's file_storage queue holds, and every record arrives exactly once", async () => {
    const dir = outputDir("outage-ingest");
    const ingestDir = join(dir, "ingest");
    running.ingest = await startIngest(ingestDir, TOKEN);
    const port = running.ingest.port;
    running.collector = await startCollector(peers.otelcol, dir, { ingestUrl: running.ingest.url, ingestToken: TOKEN, jaegerOtlpGrpc: jaegerNowhere });
    const app = startApp(dir, running.collector.otlpHttpUrl, { APP_MODE: "steady", STEADY_TASKS: "160", STEADY_INTERVAL_MS: "50" });
    const workflowId = await app.workflowId();

    await app.process.waitForOutput(/^sent 40$/m);
    await running.ingest.process.stop();
    const downAt = Date.now() / 1000;
    await sleep(6_000); // the app keeps sending to the collector
    running.ingest = await startIngest(ingestDir, TOKEN, port);
    const upAt = Date.now() / 1000;
    await app.finished();

    const captured = workflowRecords(app.store, workflowId);
    await settle(running.ingest.store, workflowId, captured.size, 40_000, 120_000);
    const f = figures(captured, running.ingest.store, workflowId);
    const duringOutage = [...captured.values()].filter((r) => typeof r.ended_at === "number" && r.ended_at > downAt && r.ended_at < upAt).length;
    report("ingest outage", f, `; ${duringOutage} records ended while the ingest service was down`);

    expect(duringOutage, "records made during the outage").to.be.greaterThan(20);
    expect(f.lost.map((r) => r.activity_id ?? r.name), "lost").to.deep.equal([]);
    expect(f.stored).to.equal(f.sent);
    expect(f.duplicates, "records stored more than once").to.equal(0);
  });

  it("(b) collector killed and restarted mid-run: what its persistent queue held arrives; only what it had not yet queued is lost (measured)", async () => {
    const dir = outputDir("outage-collector");
    running.ingest = await startIngest(join(dir, "ingest"), TOKEN);
    const targets = { ingestUrl: running.ingest.url, ingestToken: TOKEN, jaegerOtlpGrpc: jaegerNowhere };
    running.collector = await startCollector(peers.otelcol, dir, targets);
    const app = startApp(dir, running.collector.otlpHttpUrl, { APP_MODE: "steady", STEADY_TASKS: "300", STEADY_INTERVAL_MS: "50" });
    const workflowId = await app.workflowId();

    await app.process.waitForOutput(/^sent 100$/m);
    await running.collector.process.stop("SIGKILL");
    const killedAt = Date.now() / 1000;
    await sleep(3_000); // the app keeps sending to a collector that is not there
    running.collector = await startCollector(peers.otelcol, dir, targets, running.collector);
    const restartedAt = Date.now() / 1000;
    await app.finished();

    const captured = workflowRecords(app.store, workflowId);
    await settle(running.ingest.store, workflowId, captured.size, 10_000, 90_000);
    const f = figures(captured, running.ingest.store, workflowId);
    const ended = (r: FlowceptRecord): number => (typeof r.ended_at === "number" ? r.ended_at : Infinity);
    const lostBefore = f.lost.filter((r) => ended(r) < killedAt).length;
    const lostWhileDown = f.lost.filter((r) => ended(r) >= killedAt && ended(r) <= restartedAt).length;
    report("collector killed", f, `; of the lost, ${lostBefore} ended before the kill (${(killedAt - Math.min(...f.lost.map(ended))).toFixed(1)} s at most), ${lostWhileDown} while the collector was down (${(restartedAt - killedAt).toFixed(1)} s), ${f.lost.length - lostBefore - lostWhileDown} after`);

    // The provenance path does not go through the collector: the app's own store has every record.
    expect(captured.size).to.equal(301);
    // What the collector had put in its persistent queue (everything older than its 1 s batch
    // timeout, with a margin for a loaded machine) survives the kill.
    const old = f.lost.filter((r) => ended(r) < killedAt - 5);
    expect(old.map((r) => r.activity_id), "records ended 5 s or more before the kill, lost").to.deep.equal([]);
    // The restarted collector delivers what the app sent after it came back.
    const afterRestart = [...captured.values()].filter((r) => ended(r) > restartedAt + 1 && ended(r) !== Infinity);
    expect(afterRestart.length).to.be.greaterThan(0);
    const stored = workflowRecords(running.ingest.store, workflowId);
    expect(afterRestart.filter((r) => !stored.has(recordId(r))).map((r) => r.activity_id ?? r.name), "sent after the restart, lost").to.deep.equal([]);
  });
});
