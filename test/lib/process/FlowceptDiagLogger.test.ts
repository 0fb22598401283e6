import { DiagLogLevel } from "@opentelemetry/api";
import { expect } from "chai";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FlowceptDiagLogger } from "../../../lib/process/FlowceptDiagLogger.js";

function logger(streamLevel: DiagLogLevel, extra: Partial<ConstructorParameters<typeof FlowceptDiagLogger>[0]> = {}): { log: FlowceptDiagLogger; lines: string[] } {
  const lines: string[] = [];
  const log = new FlowceptDiagLogger({ streamLevel, write: (l) => lines.push(l), ...extra });
  return { log, lines };
}

describe("FlowceptDiagLogger: visible warnings, each repeated condition once with a count", () => {
  it("writes from its level up, and folds a condition that repeats (numbers, ids, quoted values aside) into one line with a count", () => {
    const { log, lines } = logger(DiagLogLevel.WARN);
    log.info("not shown");
    for (let i = 0; i < 1000; i++) log.error(`flowcept: ${i} records waiting for "store-${i}" (task 0123abcd${i})`);
    log.warn("flowcept: something else");
    expect(lines).to.deep.equal(['[error] flowcept: 0 records waiting for "store-0" (task 0123abcd0)\n', "[warn] flowcept: something else\n"]);
    log.flushRepeats();
    expect(lines[2]).to.equal('[error] flowcept: 999 records waiting for "store-999" (task 0123abcd999) (repeated 999 more times)\n');
    log.flushRepeats();
    expect(lines).to.have.length(3, "nothing new to sum up");
    log.close();
  });

  it("sums repeats up periodically while they go on", async () => {
    const { log, lines } = logger(DiagLogLevel.WARN, { summaryIntervalMillis: 20 });
    log.warn("flowcept: store unavailable");
    log.warn("flowcept: store unavailable");
    await new Promise((r) => setTimeout(r, 80));
    expect(lines).to.deep.equal(["[warn] flowcept: store unavailable\n", "[warn] flowcept: store unavailable (repeated 1 more time)\n"]);
    log.close();
  });

  it("writes debug lines unfolded, a log file from its own level, and ignores the API's note that it is being replaced", () => {
    const dir = mkdtempSync(join(tmpdir(), "flowcept-diag-"));
    try {
      const file = join(dir, "flowcept.log");
      const { log, lines } = logger(DiagLogLevel.DEBUG, { fileLevel: DiagLogLevel.INFO, filePath: file });
      expect(log.level).to.equal(DiagLogLevel.DEBUG);
      log.debug("d 1");
      log.debug("d 2");
      log.info("i", { a: 1 });
      log.warn("Current logger will be overwritten from Error: …");
      expect(lines).to.deep.equal(["[debug] d 1\n", "[debug] d 2\n", "[info] i { a: 1 }\n"]);
      expect(readFileSync(file, "utf8")).to.match(/^\S+ INFO i \{ a: 1 \}\n$/);
      log.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("turns an unwritable log file off with one warning", () => {
    const { log, lines } = logger(DiagLogLevel.WARN, { fileLevel: DiagLogLevel.WARN, filePath: "/proc/flowcept-cannot-write-here/x.log" });
    log.warn("one");
    log.warn("two");
    expect(lines[0]).to.equal("[warn] one\n");
    expect(lines[1]).to.match(/^\[warn\] flowcept: cannot write the log file \/proc\/flowcept-cannot-write-here\/x\.log \(.+\); logging to it is off\n$/);
    expect(lines[2]).to.equal("[warn] two\n");
    log.close();
  });
});
