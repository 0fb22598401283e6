import { expect } from "chai";
import { envWithPath, expectCleanExit, runNode, scriptDir, TELEMETRY_MODULE } from "./run-node.js";

const IMPORT = `import { TelemetrySampler } from ${JSON.stringify(TELEMETRY_MODULE)};`;
const hungNvidiaSmi = () => envWithPath(scriptDir("nvidia-smi", "exec sleep 30"));
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
    const out = JSON.parse(expectCleanExit(r)) as { blocks: string[]; running: boolean };
    expect(out.blocks).to.include.members(["cpu", "process", "memory", "disk", "network"]);
    expect(out.running).to.equal(false);
  });

  it("never keeps the process alive, even when stop() is never called", async () => {
    const r = await runNode(`${IMPORT}
const s = new TelemetrySampler(${ALL_BUT_GPU}).start();
await s.whenReady();
console.log(s.captureJson() ? "captured" : "nothing");`);
    expect(expectCleanExit(r)).to.equal("captured");
  });

  it("kills a GPU query still running when it stops", async () => {
    const r = await runNode(
      `${IMPORT}
// The query's own timeout is far beyond the test's limit: only stop() can end it in time.
const s = new TelemetrySampler({ gpu: ["used"], interval_ms: 60000 }, { probeTimeoutMs: 60000 }).start();
await new Promise((r) => setTimeout(r, 200));
s.stop();
console.log("stopped");`,
      { env: hungNvidiaSmi(), limitMs: 5000 },
    );
    expect(expectCleanExit(r, "a spawned nvidia-smi outlived stop()")).to.equal("stopped");
  });

  it("kills a GPU query that hangs past probeTimeoutMs and drops the block", async () => {
    const r = await runNode(
      `${IMPORT}
const s = new TelemetrySampler({ gpu: ["used"], mem: true, interval_ms: 60000 }, { probeTimeoutMs: 300 }).start();
await s.whenReady();
console.log(JSON.stringify(Object.keys(s.capture() ?? {})));
s.stop();`,
      { env: hungNvidiaSmi(), limitMs: 8000 },
    );
    expect(JSON.parse(expectCleanExit(r))).to.deep.equal(["memory"]);
  });
});
