import { expect } from "chai";
import { delimiter } from "node:path";
import { runNode, scriptDir, TELEMETRY_MODULE } from "./run-node.js";

const IMPORT = `import { TelemetrySampler } from ${JSON.stringify(TELEMETRY_MODULE)};`;
const ALL_BUT_GPU = "{ cpu: true, per_cpu: true, process_info: true, mem: true, disk: true, network: true, interval_ms: 50 }";

describe("TelemetrySampler lifetime (child processes)", function () {
  this.timeout(20_000);

  it("lets the process exit on its own after start, capture, stop", async () => {
    const r = await runNode(`${IMPORT}
const s = new TelemetrySampler(${ALL_BUT_GPU}).start();
await s.whenReady();
const t = s.capture();
s.stop();
console.log(JSON.stringify({ blocks: Object.keys(t), running: s.running }));`);
    expect(r.timedOut, "the child was still running").to.equal(false);
    expect(r.code, r.stderr).to.equal(0);
    const out = JSON.parse(r.stdout) as { blocks: string[]; running: boolean };
    expect(out.blocks).to.include.members(["cpu", "process", "memory", "disk", "network"]);
    expect(out.running).to.equal(false);
  });

  it("never keeps the process alive, even when stop() is never called", async () => {
    const r = await runNode(`${IMPORT}
const s = new TelemetrySampler(${ALL_BUT_GPU}).start();
await s.whenReady();
console.log(s.captureJson() ? "captured" : "nothing");`);
    expect(r.timedOut, "the child was still running").to.equal(false);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout.trim()).to.equal("captured");
  });

  it("kills a GPU query still running when it stops", async () => {
    const bin = scriptDir("nvidia-smi", "exec sleep 30");
    const r = await runNode(
      `${IMPORT}
// The query's own timeout is far beyond the test's limit: only stop() can end it in time.
const s = new TelemetrySampler({ gpu: ["used"], interval_ms: 60000 }, { probeTimeoutMs: 60000 }).start();
await new Promise((r) => setTimeout(r, 200));
s.stop();
console.log("stopped");`,
      { env: { ...process.env, PATH: `${bin}${delimiter}${process.env.PATH}` }, limitMs: 5000 },
    );
    expect(r.timedOut, "a spawned nvidia-smi outlived stop()").to.equal(false);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout.trim()).to.equal("stopped");
  });

  it("kills a GPU query that hangs past probeTimeoutMs and drops the block", async () => {
    const bin = scriptDir("nvidia-smi", "exec sleep 30");
    const r = await runNode(
      `${IMPORT}
const s = new TelemetrySampler({ gpu: ["used"], mem: true, interval_ms: 60000 }, { probeTimeoutMs: 300 }).start();
await s.whenReady();
console.log(JSON.stringify(Object.keys(s.capture() ?? {})));
s.stop();`,
      { env: { ...process.env, PATH: `${bin}${delimiter}${process.env.PATH}` }, limitMs: 8000 },
    );
    expect(r.timedOut).to.equal(false);
    expect(r.code, r.stderr).to.equal(0);
    expect(JSON.parse(r.stdout)).to.deep.equal(["memory"]);
  });
});
