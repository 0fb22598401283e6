/**
 * The HTML report as a person sees it: rendered by headless Chromium
 * (Debian's, driven by playwright-core — never a downloaded browser), with
 * no console errors, no request but the file itself, and every chart drawn.
 * Screenshots go to test-output/.
 */
import { execFile } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { expect } from "chai";
import { chromium, type Browser } from "playwright-core";
import { FIXTURES, REPO_ROOT } from "../support/paths.js";
import { usePeers } from "./support/peers.js";

const run = promisify(execFile);
const EXAMPLE = fileURLToPath(new URL("../../examples/main-workflow.js", import.meta.url));
const CLI = fileURLToPath(new URL("../../lib/cli/main.js", import.meta.url));
const OUTPUT = join(REPO_ROOT, "test-output");
const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

describe("the HTML report in headless Chromium", function () {
  const peers = usePeers("chromium");
  let dir: string;
  let browser: Browser;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "flowcept-report-html-"));
    mkdirSync(OUTPUT, { recursive: true });
    browser = await chromium.launch({ executablePath: peers.chromium, args: FLAGS });
  });
  after(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function render(html: string, name: string, figures: string[]): Promise<void> {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") errors.push(m.text());
    });
    page.on("pageerror", (e) => errors.push(String(e)));
    page.on("request", (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(html).href);
    await page.waitForLoadState("load");
    expect(errors, "console errors").to.deep.equal([]);
    expect(requests).to.deep.equal([pathToFileURL(html).href]);
    expect(await page.locator("figure").evaluateAll((fs) => fs.map((f) => f.getAttribute("data-figure")))).to.deep.equal(figures);
    for (const svg of await page.locator("figure svg").all()) {
      const box = await svg.boundingBox();
      expect(box!.width).to.be.greaterThan(150);
      expect(box!.height).to.be.greaterThan(60);
      expect(await svg.locator("path, rect, line").count()).to.be.greaterThan(3);
    }
    await page.screenshot({ path: join(OUTPUT, `${name}.png`), fullPage: true });
    for (const [i, f] of (await page.locator("figure").all()).entries()) await f.screenshot({ path: join(OUTPUT, `${name}-figure-${i + 1}.png`) });
    await page.close();
  }

  it("draws the example's report: timeline, durations, telemetry and lineage", async () => {
    const store = join(dir, "flowcept_buffer.jsonl");
    const settings = join(dir, "settings.yaml");
    writeFileSync(settings, `project:\n  dump_buffer:\n    path: ${store}\ntelemetry_capture:\n  cpu: true\n  mem: true\n  process_info: true\n  interval_ms: 100\n`);
    const env: NodeJS.ProcessEnv = { ...process.env, FLOWCEPT_MONGO_URI: "", MONGODB_URI: "", FLOWCEPT_SETTINGS_PATH: settings };
    await run(process.execPath, [EXAMPLE], { cwd: dir, env });
    const html = join(dir, "report.html");
    await run(process.execPath, [CLI, "report", "--format", "html", "--out", html], { cwd: dir, env });
    await render(html, "report-example", ["Timeline of tasks (Gantt)", "Telemetry over time", "Duration distribution per activity", "Lineage between activities"]);
  });

  it("draws the report of a Python Flowcept buffer file", async () => {
    const html = join(dir, "python.html");
    const store = join(dir, "flowcept-1.0.3-offline.jsonl"); // a copy: lineage keeps its index beside the store
    copyFileSync(join(FIXTURES, "flowcept", "flowcept-1.0.3-offline.jsonl"), store);
    await run(process.execPath, [CLI, "report", "--format", "html", "--out", html, "--buffer-path", store]);
    await render(html, "report-python-flowcept", ["Timeline of tasks (Gantt)", "Telemetry over time", "Duration distribution per activity"]);
  });
});
