import { expect } from "chai";
import {
  cpuPercent,
  parseCpuinfoMhz,
  parseDiskstats,
  parseMemory,
  parseNetDev,
  parseProcIo,
  parseProcStat,
} from "../../../lib/telemetry/proc-parsers.js";

describe("telemetry /proc parsers", () => {
  it("reads /proc/stat into psutil's cpu time names, in seconds", () => {
    const stat = parseProcStat(
      [
        "cpu  1000 20 300 5000 40 5 6 7 8 9",
        "cpu0 500 10 150 2500 20 2 3 3 4 4",
        "cpu1 500 10 150 2500 20 3 3 4 4 5",
        "intr 12345 0 0",
        "ctxt 999",
      ].join("\n"),
    );
    expect(stat.total).to.deep.equal({
      user: 10,
      nice: 0.2,
      system: 3,
      idle: 50,
      iowait: 0.4,
      irq: 0.05,
      softirq: 0.06,
      steal: 0.07,
      guest: 0.08,
      guest_nice: 0.09,
    });
    expect(stat.perCpu).to.have.length(2);
    expect(stat.perCpu[1]!.guest_nice).to.equal(0.05);
  });

  it("keeps only the fields an older kernel reports", () => {
    expect(parseProcStat("cpu 1 2 3 4\n").total).to.deep.equal({ user: 0.01, nice: 0.02, system: 0.03, idle: 0.04 });
  });

  it("refuses a /proc/stat with no aggregate line", () => {
    expect(() => parseProcStat("intr 1\n")).to.throw(/no aggregate cpu line/);
  });

  it("computes the busy percentage with idle and iowait as not busy and guest inside user", () => {
    const a = { user: 10, nice: 0, system: 5, idle: 80, iowait: 5, guest: 1 };
    // +6 user, +2 system, +10 idle, +2 iowait (guest +3 is already in user): 8 busy of 20.
    const b = { user: 16, nice: 0, system: 7, idle: 90, iowait: 7, guest: 4 };
    expect(cpuPercent(a, b)).to.equal(40);
    expect(cpuPercent(a, a)).to.equal(0);
  });

  it("maps /proc/meminfo and /proc/vmstat with psutil's arithmetic", () => {
    const meminfo = [
      "MemTotal:        1000 kB",
      "MemFree:          200 kB",
      "MemAvailable:     500 kB",
      "Buffers:           50 kB",
      "Cached:           100 kB",
      "SwapCached:         0 kB",
      "Active:           300 kB",
      "Inactive:         150 kB",
      "SwapTotal:        400 kB",
      "SwapFree:         300 kB",
      "Shmem:             10 kB",
      "Slab:              40 kB",
      "SReclaimable:      30 kB",
    ].join("\n");
    const mem = parseMemory(meminfo, "pgpgin 1\npswpin 3\npswpout 5\n");
    const k = 1024;
    expect(mem.virtual).to.deep.equal({
      total: 1000 * k,
      available: 500 * k,
      percent: 50,
      used: (1000 - 200 - 130 - 50) * k,
      free: 200 * k,
      active: 300 * k,
      inactive: 150 * k,
      buffers: 50 * k,
      cached: 130 * k,
      shared: 10 * k,
      slab: 40 * k,
    });
    expect(mem.swap).to.deep.equal({ total: 400 * k, used: 100 * k, free: 300 * k, percent: 25, sin: 3 * 4096, sout: 5 * 4096 });
  });

  it("leaves swap-in/out out without /proc/vmstat and reports 0 % swap without swap", () => {
    const mem = parseMemory("MemTotal: 100 kB\nMemFree: 100 kB\nSwapTotal: 0 kB\nSwapFree: 0 kB\n");
    expect(mem.swap).to.deep.equal({ total: 0, used: 0, free: 0, percent: 0 });
  });

  it("sums /proc/diskstats over whole devices only, in bytes", () => {
    const text = [
      "   8       0 sda 100 10 2000 50 200 20 4000 60 0 70 110 0 0 0 0",
      "   8       1 sda1 90 9 1800 45 190 19 3800 55 0 65 100 0 0 0 0",
      " 259       0 nvme0n1 1 2 3 4 5 6 7 8 0 9 10",
      "   7       0 loop0 5 0 10 1 0 0 0 0 0 1 1",
    ].join("\n");
    const io = parseDiskstats(text, new Set(["sda", "nvme0n1"]));
    expect(io).to.deep.equal({
      read_count: 101,
      write_count: 205,
      read_bytes: (2000 + 3) * 512,
      write_bytes: (4000 + 7) * 512,
      read_time: 54,
      write_time: 68,
      read_merged_count: 12,
      write_merged_count: 26,
      busy_time: 79,
    });
    expect(() => parseDiskstats(text, new Set(["sdz"]))).to.throw(/no disk devices/);
  });

  it("sums /proc/net/dev over every interface", () => {
    const text = [
      "Inter-|   Receive                                                |  Transmit",
      " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed",
      "    lo:    3193      29    0    0    0     0          0         0     3193      29    0    0    0     0       0          0",
      "  eth0: 1000 10 1 2 0 0 0 0 500 5 3 4 0 0 0 0",
    ].join("\n");
    expect(parseNetDev(text)).to.deep.equal({
      bytes_sent: 3693,
      bytes_recv: 4193,
      packets_sent: 34,
      packets_recv: 39,
      errin: 1,
      errout: 3,
      dropin: 2,
      dropout: 4,
    });
  });

  it("renames /proc/self/io to psutil's io_counters names", () => {
    const io = parseProcIo("rchar: 10\nwchar: 20\nsyscr: 3\nsyscw: 4\nread_bytes: 4096\nwrite_bytes: 8192\ncancelled_write_bytes: 0\n");
    expect(io).to.deep.equal({ read_count: 3, write_count: 4, read_bytes: 4096, write_bytes: 8192, read_chars: 10, write_chars: 20 });
  });

  it("averages the cpu MHz lines of /proc/cpuinfo", () => {
    expect(parseCpuinfoMhz("processor\t: 0\ncpu MHz\t\t: 2000.000\nprocessor\t: 1\ncpu MHz\t\t: 3000.500\n")).to.equal(2500.25);
    expect(parseCpuinfoMhz("processor\t: 0\n")).to.equal(undefined);
  });
});
