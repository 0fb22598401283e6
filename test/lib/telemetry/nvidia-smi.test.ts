import { expect } from "chai";
import { gpuBlock, parseNvidiaSmiCsv, visibleGpus, type NvidiaGpu } from "../../../lib/telemetry/nvidia-smi.js";
import { envWithPath, expectCleanExit, runNode, scriptDir, TELEMETRY_MODULE } from "./run-node.js";

const MIB = 1024 * 1024;
const UUID0 = "GPU-11111111-2222-3333-4444-555555555555";
const UUID1 = "GPU-66666666-7777-8888-9999-000000000000";
const CSV = [
  `0, ${UUID0}, 1024, 40960, 35, 55.12, 535.104.05, NVIDIA A100-SXM4-40GB`,
  `1, ${UUID1}, 2048, 40960, 41, [N/A], 535.104.05, NVIDIA A100-SXM4-40GB`,
  "",
].join("\n");

// Answers like nvidia-smi only when asked with the query the probe uses.
const FAKE_NVIDIA_SMI = `case "$*" in
  *--query-gpu=index,uuid,memory.used*--format=csv,noheader,nounits*) printf '%s\\n' ${CSV.trim().split("\n").map((l) => `'${l}'`).join(" ")} ;;
  *) echo "unexpected arguments: $*" >&2; exit 2 ;;
esac`;

describe("NVIDIA GPU telemetry", () => {
  const gpus = parseNvidiaSmiCsv(CSV);

  it("parses nvidia-smi's CSV into Flowcept's units (bytes, milliwatts)", () => {
    expect(gpus).to.deep.equal([
      {
        index: 0,
        uuid: UUID0,
        memoryUsedBytes: 1024 * MIB,
        memoryTotalBytes: 40960 * MIB,
        temperature: 35,
        powerMilliwatts: 55120,
        driverVersion: "535.104.05",
        name: "NVIDIA A100-SXM4-40GB",
      },
      {
        index: 1,
        uuid: UUID1,
        memoryUsedBytes: 2048 * MIB,
        memoryTotalBytes: 40960 * MIB,
        temperature: 41,
        driverVersion: "535.104.05",
        name: "NVIDIA A100-SXM4-40GB",
      },
    ]);
    expect(parseNvidiaSmiCsv("0, GPU-x, 1, 2, 3, 4, 5, Tesla, rev 2\n")[0]!.name, "commas in the name").to.equal("Tesla, rev 2");
    expect(parseNvidiaSmiCsv("No devices were found\n")).to.deep.equal([]);
  });

  it("honours CUDA_VISIBLE_DEVICES as CUDA reads it", () => {
    const ids = (v: string | undefined) => visibleGpus(gpus, v).map((g: NvidiaGpu) => g.index);
    expect(ids(undefined)).to.deep.equal([0, 1]);
    expect(ids("1")).to.deep.equal([1]);
    expect(ids("1,0")).to.deep.equal([1, 0]);
    expect(ids(""), "empty hides every device").to.deep.equal([]);
    expect(ids("-1")).to.deep.equal([]);
    expect(ids("0,bogus,1"), "reading stops at an invalid entry").to.deep.equal([0]);
    expect(ids("GPU-6666"), "UUID prefix").to.deep.equal([1]);
    expect(ids("GPU-"), "an ambiguous prefix matches nothing").to.deep.equal([]);
    expect(ids("7")).to.deep.equal([]);
  });

  it("reports only the requested metrics under gpu_<index>", () => {
    expect(gpuBlock(gpus, new Set(["used", "power"]), "0")).to.deep.equal({ gpu_0: { used: 1024 * MIB, power: 55120 } });
    expect(gpuBlock(gpus, new Set(["power"]), "1"), "nothing to report for gpu_1").to.equal(undefined);
    expect(gpuBlock(gpus, new Set(["used"]), "")).to.equal(undefined);
  });

  it("reads a fake nvidia-smi found first on PATH, in a child process", async function () {
    this.timeout(15_000);
    const bin = scriptDir("nvidia-smi", FAKE_NVIDIA_SMI);
    const r = await runNode(
      `import { TelemetrySampler, collectMachineInfo } from ${JSON.stringify(TELEMETRY_MODULE)};
const s = new TelemetrySampler({ gpu: ["used", "temperature", "power", "name", "id"] }, { intervalMs: 60000 }).start();
await s.whenReady();
const all = new TelemetrySampler({ gpu: ["used", "id"] }, { intervalMs: 60000, env: {} });
await all.refresh();
const none = new TelemetrySampler({ gpu: ["used"] }, { intervalMs: 60000, env: { CUDA_VISIBLE_DEVICES: "" } });
await none.refresh();
const info = await collectMachineInfo({ telemetry_capture: { gpu: ["name"] } });
console.log(JSON.stringify({ visible: s.capture(), all: all.capture(), none: none.capture() ?? null, info: info.gpu }));
s.stop();`,
      { env: envWithPath(bin, { CUDA_VISIBLE_DEVICES: "1" }) },
    );
    const out = JSON.parse(expectCleanExit(r)) as Record<string, Record<string, Record<string, unknown>>>;
    const gpu = out.visible!.gpu!;
    expect(Object.keys(gpu)).to.deep.equal(["gpu_1"]);
    const { sampled_at, age_ms, ...metrics } = gpu.gpu_1 as Record<string, unknown>;
    expect(metrics, "power was [N/A]").to.deep.equal({ used: 2048 * MIB, temperature: 41, name: "NVIDIA A100-SXM4-40GB", id: UUID1 });
    expect(sampled_at).to.be.a("number");
    expect(age_ms).to.be.a("number");
    expect(Object.keys(out.all!.gpu!)).to.deep.equal(["gpu_0", "gpu_1"]);
    expect(out.none).to.equal(null);
    expect(out.info).to.deep.equal({ gpu_1: { name: "NVIDIA A100-SXM4-40GB" } });
  });
});
